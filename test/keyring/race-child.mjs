// Child process for the multi-process race tests in file.test.ts and prepare.test.ts.
// Usage: node race-child.mjs <compiled src dir> <salt dir> <period> <now ms> <json event times>
// Imports the keyring compiled by the test (Node 20 cannot load the .ts
// sources directly), reports "ready", waits for "go" on stdin so that all
// children hit the creation path at the same moment, prepares the keyring
// for <now ms>, then prints one SHA-256 fingerprint per event's salt (never
// the salt itself), in the order given.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [distDir, saltDir, period, nowArg, eventsArg] = process.argv.slice(2);
const now = Number(nowArg);
const events = JSON.parse(eventsArg);
const { FileKeyring } = await import(pathToFileURL(join(distDir, 'keyring', 'index.js')).href);
const { parseDuration } = await import(pathToFileURL(join(distDir, 'time', 'duration.js')).href);

// The clock is pinned, so every child sees the same open epochs.
const keyring = new FileKeyring({ dir: saltDir, period, grace: parseDuration('PT1H'), future: parseDuration('PT1H'), now: () => now });

process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  await keyring.prepare(now);
  for (const eventMs of events) {
    const salt = keyring.saltFor(eventMs);
    if (salt.ephemeral) throw new Error(`event ${eventMs}: ephemeral salt, expected a prepared one`);
    process.stdout.write(`fingerprint ${createHash('sha256').update(salt.salt).digest('hex')}\n`);
  }
  keyring.close();
  process.stdin.destroy();
});
