// Child process for the multi-process race test in file.test.ts.
// Usage: node race-child.mjs <compiled src dir> <salt dir> <event ms>
// Imports the keyring compiled by the test (Node 20 cannot load the .ts
// sources directly), reports "ready", waits for "go" on stdin so that all
// children hit the creation path at the same moment, then prints a SHA-256
// fingerprint of the salt (never the salt itself).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [distDir, saltDir, eventArg] = process.argv.slice(2);
const eventMs = Number(eventArg);
const { FileKeyring } = await import(pathToFileURL(join(distDir, 'keyring', 'index.js')).href);
const { parseDuration } = await import(pathToFileURL(join(distDir, 'time', 'duration.js')).href);

// The clock is pinned to the event time, so the epoch is open for every child.
const keyring = new FileKeyring({ dir: saltDir, period: 'P1D', grace: parseDuration('PT1H'), now: () => eventMs });

process.stdout.write('ready\n');
process.stdin.once('data', () => {
  const salt = keyring.saltFor(eventMs);
  const fingerprint = createHash('sha256').update(salt.salt).digest('hex');
  keyring.close();
  process.stdout.write(`fingerprint ${fingerprint}\n`);
  process.stdin.destroy();
});
