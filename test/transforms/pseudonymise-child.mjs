// Child process for the two-process test in pseudonymise.test.ts.
// Usage: node pseudonymise-child.mjs <compiled src dir> <salt dir> <now ms> <json requests>
// where requests is [[namespace, value, eventMs], ...]. Loads the pseudonymiser
// and keyring compiled by the test (Node 20 cannot import the .ts sources),
// prepares the keyring for <now ms> and prints one JSON array of pseudonyms.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [distDir, saltDir, nowArg, requestsArg] = process.argv.slice(2);
const load = (path) => import(pathToFileURL(join(distDir, path)).href);
const { FileKeyring } = await load('keyring/index.js');
const { Pseudonymiser, DEFAULT_PSEUDONYM_OPTIONS } = await load('transforms/pseudonymise.js');
const { parseDuration } = await load('time/duration.js');

const now = Number(nowArg);
// Events up to a day ahead are accepted, so tomorrow's salt is prepared too.
const keyring = new FileKeyring({ dir: saltDir, period: 'P1D', grace: parseDuration('PT1H'), future: parseDuration('P1D'), now: () => now });
await keyring.prepare(now);
const p = new Pseudonymiser(keyring, DEFAULT_PSEUDONYM_OPTIONS);
const out = JSON.parse(requestsArg).map(([namespace, value, eventMs]) => p.pseudonym(namespace, value, eventMs));
keyring.close();
process.stdout.write(JSON.stringify(out) + '\n');
