/**
 * Output bytes pinned per format: generated lines (bench/formats-gen.mjs, a
 * fixed seed and clock) and every documented fixture go through the default
 * policy under fixed salts, and the whole output must equal the file in
 * test/formats/golden/. Performance work on the engines and transforms must
 * leave these bytes alone — users' stored pseudonyms have to keep matching
 * within an epoch, and downstream readers depend on the layout. When an
 * intended change alters the output, review the diff and update the file
 * (`npx vitest run test/formats/golden -u`).
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { FORMATS, generate } from '../../bench/formats-gen.mjs';
import type { EpochSalt, Keyring, SaltFileInfo } from '../../src/keyring/keyring.js';
import { SaltTable } from '../../src/keyring/salt-table.js';
import { parseDuration } from '../../src/time/duration.js';
import { epochOf } from '../../src/time/epoch.js';
import { FIXTURE_FILES, restampedFixture, runText } from '../helpers/cloud.js';
import { makeAnonymiser, makeEnv, MINUTE, policyFrom, T0, type TestEnv } from '../helpers/env.js';

/** A keyring whose salt for an epoch is fixed (a hash of its start), so pseudonyms are the same in every run. */
class FixedKeyring implements Keyring {
  readonly #table = new SaltTable({ period: 'P1D', grace: parseDuration('PT1H')!, future: parseDuration('PT1H')! });
  constructor(private readonly now: () => number) {}
  async prepare(): Promise<void> {}
  saltFor(eventMs: number): EpochSalt {
    this.#table.observe(this.now());
    const epoch = epochOf(eventMs, 'P1D');
    if (this.#table.needs(epoch)) this.#table.install(epoch, new Uint8Array(createHash('sha256').update(`gallra golden salt ${epoch.start}`).digest()));
    return this.#table.lookup(eventMs, this.now());
  }
  async list(): Promise<SaltFileInfo[]> {
    return [];
  }
  async rotate(): Promise<{ created: SaltFileInfo | undefined; destroyed: SaltFileInfo[] }> {
    return { created: undefined, destroyed: [] };
  }
  async destroyClosed(): Promise<SaltFileInfo[]> {
    return [];
  }
  async destroyAll(): Promise<SaltFileInfo[]> {
    return [];
  }
  close(): void {
    this.#table.wipeAll();
  }
}

const envs: TestEnv[] = [];
afterAll(() => envs.forEach((e) => e.cleanup()));

function anonymise(format: string, text: string): string {
  const env = makeEnv();
  envs.push(env);
  const keyring = new FixedKeyring(env.now);
  const policy = policyFrom(env, JSON.stringify({ input: { format } }), 'json').config;
  const a = makeAnonymiser({ ...env, keyring: keyring as unknown as TestEnv['keyring'] }, policy);
  return runText(a, text);
}

/** Generated lines per format: enough to cover IPv6, every query and user agent of the generator's pools. */
const LINES = 80;

describe('format output is pinned byte for byte', () => {
  for (const format of FORMATS) {
    it(`${format}: generated lines under the default policy`, async () => {
      const out = anonymise(format, generate(format, LINES, T0 - MINUTE, 7));
      expect(out.split('\n').length).toBeGreaterThan(LINES / 2);
      await expect(out).toMatchFileSnapshot(`golden/${format}.generated.out`);
    });
  }
  for (const [format, files] of Object.entries(FIXTURE_FILES)) {
    for (const file of files) {
      it(`${format}: ${file} under the default policy`, async () => {
        const out = anonymise(format, restampedFixture(format, file, T0 - MINUTE));
        await expect(out).toMatchFileSnapshot(`golden/${file}.out`);
      });
    }
  }
});
