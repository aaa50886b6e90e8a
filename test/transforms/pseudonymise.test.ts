import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileKeyring } from '../../src/keyring/index.js';
import type { EpochSalt } from '../../src/keyring/keyring.js';
import { parseDuration } from '../../src/time/duration.js';
import {
  DEFAULT_PSEUDONYM_OPTIONS,
  type PseudonymOptions,
  pseudonymConfigSchema,
  pseudonymOptionsFromConfig,
  Pseudonymiser,
  VISITOR_NAMESPACE,
} from '../../src/transforms/pseudonymise.js';
import { StringCache } from '../../src/util/string-cache.js';
import { compileForChildren, PROJECT_ROOT, removeCompiled } from '../helpers/compile.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 22, 12); // 2026-11-22 12:00Z, epoch P1D 2026-11-22
const FC = { seed: 0x9e5d, numRuns: 200 } as const;

let root: string;
let clock: { t: number };
let keyring: FileKeyring;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'gallra-pseudonymise-'));
  clock = { t: T0 };
  keyring = newKeyring();
  await keyring.prepare(clock.t);
});

afterEach(() => {
  keyring.close();
  rmSync(root, { recursive: true, force: true });
});

/** Events up to a day ahead are accepted (future P1D), so tomorrow's epoch is prepared too. */
function newKeyring(dir = join(root, 'salts')): FileKeyring {
  return new FileKeyring({ dir, period: 'P1D', grace: parseDuration('PT1H')!, future: parseDuration('P1D')!, now: () => clock.t });
}

function pseudonymiser(over: Partial<PseudonymOptions> = {}, kr: FileKeyring = keyring): Pseudonymiser {
  return new Pseudonymiser(kr, { ...DEFAULT_PSEUDONYM_OPTIONS, ...over });
}

/** The construction from DESIGN.md, computed with node:crypto. */
function oracle(salt: Uint8Array, namespace: string, value: string, bits = 128): string {
  return createHmac('sha256', salt)
    .update(namespace + '\0' + value)
    .digest()
    .subarray(0, bits / 8)
    .toString('base64url');
}

function saltOf(eventMs: number): EpochSalt {
  return keyring.saltFor(eventMs);
}

describe('the pseudonym construction', () => {
  it('is base64url of the first bits/8 bytes of HMAC-SHA-256(salt, namespace NUL value)', () => {
    const p = pseudonymiser();
    const got = p.pseudonym('user', 'alice', T0);
    expect(got).toBe(oracle(saltOf(T0).salt, 'user', 'alice'));
    expect(got).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('agrees with node:crypto for any namespace and value, including non-ASCII and empty values', () => {
    const p = pseudonymiser();
    const salt = saltOf(T0).salt;
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme-composite', maxLength: 20 })), (namespace, value) => {
        expect(p.pseudonym(namespace, value, T0)).toBe(oracle(salt, namespace, value));
      }),
      FC,
    );
    const long = 'ü'.repeat(5000); // longer than the 512-byte scratch buffer
    expect(p.pseudonym('user', long, T0)).toBe(oracle(salt, 'user', long));
  });

  it.each([
    [128, 22],
    [136, 23],
    [192, 32],
    [256, 43],
  ])('takes %i bits as %i base64url characters', (bits, chars) => {
    const got = pseudonymiser({ bits }).pseudonym('user', 'alice', T0);
    expect(got).toHaveLength(chars);
    expect(got).toBe(oracle(saltOf(T0).salt, 'user', 'alice', bits));
  });

  it('rejects sizes that are not a multiple of 8 in 128..256', () => {
    for (const bits of [0, 64, 120, 130, 264, 512]) expect(() => pseudonymiser({ bits })).toThrow(RangeError);
  });

  it('prepends the configured prefix, or the one given per call', () => {
    const p = pseudonymiser({ prefix: 'u_' });
    const bare = oracle(saltOf(T0).salt, 'user', 'alice');
    expect(p.pseudonym('user', 'alice', T0)).toBe(`u_${bare}`);
    expect(p.pseudonym('user', 'alice', T0, 's:')).toBe(`s:${bare}`);
    expect(p.pseudonym('user', 'alice', T0, '')).toBe(bare);
  });

  it('gives equal values in one epoch equal pseudonyms, whatever the time within the epoch', async () => {
    const p = pseudonymiser();
    const a = p.pseudonym('user', 'alice', Date.UTC(2026, 10, 22, 0, 0, 0));
    expect(p.pseudonym('user', 'alice', Date.UTC(2026, 10, 22, 23, 59, 59, 999))).toBe(a);
    expect(pseudonymiser().pseudonym('user', 'alice', T0)).toBe(a); // another instance on the same keyring
    const other = newKeyring();
    await other.prepare(clock.t);
    expect(pseudonymiser({}, other).pseudonym('user', 'alice', T0)).toBe(a); // another keyring on the same directory
    other.close();
  });

  it('gives different epochs, namespaces and values different pseudonyms', () => {
    const p = pseudonymiser();
    const a = p.pseudonym('user', 'alice', T0);
    expect(p.pseudonym('user', 'alice', T0 + DAY)).not.toBe(a);
    expect(p.pseudonym('user', 'alice', T0 - 13 * HOUR)).not.toBe(a); // yesterday, closed at T0: an ephemeral salt
    expect(p.pseudonym('session', 'alice', T0)).not.toBe(a);
    expect(p.pseudonym('user', 'alicf', T0)).not.toBe(a);
    // The NUL separator keeps namespace and value apart.
    expect(p.pseudonym('ab', 'c', T0)).not.toBe(p.pseudonym('a', 'bc', T0));
  });

  it('stays right when events of many epochs interleave (more than it keeps prepared)', async () => {
    clock.t = T0 + 10 * DAY; // most epochs below are closed (ephemeral salts), the last two open
    await keyring.prepare(clock.t);
    const p = pseudonymiser({ cacheSize: 8 });
    const events = Array.from({ length: 60 }, (_, k) => T0 + ((k * 7) % 12) * DAY + (k % 5) * HOUR);
    const first = events.map((t, k) => p.pseudonym('user', `u${k % 3}`, t));
    events.forEach((t, k) => {
      expect(p.pseudonym('user', `u${k % 3}`, t)).toBe(first[k]);
      expect(first[k]).toBe(oracle(saltOf(t).salt, 'user', `u${k % 3}`));
    });
  });
});

describe('the cache', () => {
  it('gives the same pseudonyms with and without a cache', () => {
    const cached = pseudonymiser({ cacheSize: 1024 });
    const uncached = pseudonymiser({ cacheSize: 0 });
    const tiny = pseudonymiser({ cacheSize: 1 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('user', 'session', 'visitor'), fc.string({ maxLength: 6 }), fc.integer({ min: -30, max: 30 })), { maxLength: 50 }), (calls) => {
        for (const [ns, v, h] of calls) {
          const t = T0 + h * HOUR;
          const want = uncached.pseudonym(ns, v, t);
          expect(cached.pseudonym(ns, v, t)).toBe(want);
          expect(tiny.pseudonym(ns, v, t)).toBe(want);
        }
      }),
      FC,
    );
  });

  it('keeps each namespace cache bounded by its capacity', () => {
    const p = pseudonymiser({ cacheSize: 64 });
    for (let k = 0; k < 5000; k++) {
      p.pseudonym('user', `user-${k}`, T0);
      p.pseudonym('session', `s-${k}`, T0);
    }
    // White box: the per-epoch state's caches.
    const states = (p as unknown as { states: Map<number, { caches: Map<string, StringCache<string>> }> }).states;
    const caches = [...states.values()].flatMap((s) => [...s.caches.values()]);
    expect(caches).toHaveLength(2);
    for (const c of caches) {
      expect(c.capacity).toBe(64);
      expect(c.size).toBeLessThanOrEqual(c.capacity);
      expect(c.size).toBeGreaterThan(0);
    }
    expect(p.pseudonym('user', 'user-1', T0)).toBe(oracle(saltOf(T0).salt, 'user', 'user-1'));
  });

  it('does not keep caches with cacheSize 0', () => {
    const p = pseudonymiser({ cacheSize: 0 });
    p.pseudonym('user', 'alice', T0);
    const states = (p as unknown as { states: Map<number, { caches: Map<string, unknown> }> }).states;
    expect([...states.values()].every((s) => s.caches.size === 0)).toBe(true);
  });
});

describe('salt destruction', () => {
  it.each([0, 1000])('never reuses a destroyed salt or what was derived from it (cacheSize %i)', async (cacheSize) => {
    const p = pseudonymiser({ cacheSize });
    const live = saltOf(T0);
    const before = p.pseudonym('user', 'alice', T0);
    expect(before).toBe(oracle(live.salt, 'user', 'alice'));
    const saltBytes = Buffer.from(live.salt);

    clock.t = Date.UTC(2026, 10, 23, 1); // the epoch's end plus its grace hour: closed
    await keyring.destroyClosed();
    expect(live.wiped).toBe(true);

    const after = p.pseudonym('user', 'alice', T0);
    const ephemeral = saltOf(T0);
    expect(ephemeral.ephemeral).toBe(true);
    expect(after).not.toBe(before);
    expect(after).toBe(oracle(ephemeral.salt, 'user', 'alice'));
    expect(after).not.toBe(oracle(saltBytes, 'user', 'alice'));
    // Consistent within the run.
    expect(p.pseudonym('user', 'alice', T0 + HOUR)).toBe(after);
  });

  it('stops using the old key as soon as the clock closes the epoch, before housekeeping has destroyed the salt', () => {
    const p = pseudonymiser();
    const live = saltOf(T0);
    const before = p.pseudonym('user', 'alice', T0);
    clock.t = Date.UTC(2026, 10, 24); // closed; no destroyClosed() yet
    const after = p.pseudonym('user', 'alice', T0);
    expect(live.wiped).toBe(false);
    expect(after).not.toBe(before);
    expect(saltOf(T0).ephemeral).toBe(true);
    expect(after).toBe(oracle(saltOf(T0).salt, 'user', 'alice'));
  });

  it('drops the old key after destroyAll, and the next salt is a new one', async () => {
    const p = pseudonymiser();
    const before = p.pseudonym('user', 'alice', T0);
    await keyring.destroyAll();
    await keyring.prepare(clock.t);
    const after = p.pseudonym('user', 'alice', T0);
    expect(after).not.toBe(before);
    expect(after).toBe(oracle(saltOf(T0).salt, 'user', 'alice'));
  });

  it('clear() forgets prepared states, and results stay correct', () => {
    const p = pseudonymiser();
    const a = p.pseudonym('user', 'alice', T0);
    p.clear();
    expect(p.pseudonym('user', 'alice', T0)).toBe(a);
  });
});

describe('visitor ids', () => {
  it('are the pseudonym of host, full client address and user agent in the visitor namespace, without a prefix', () => {
    const p = pseudonymiser({ prefix: 'u_' });
    const id = p.visitorId('example.com', '81.6.12.34', 'Mozilla/5.0', T0);
    expect(id).toBe(oracle(saltOf(T0).salt, VISITOR_NAMESPACE, 'example.com\0' + '81.6.12.34\0' + 'Mozilla/5.0'));
  });

  it('depend on the host, every bit of the address and the user agent', () => {
    const p = pseudonymiser();
    const id = p.visitorId('example.com', '81.6.12.34', 'Mozilla/5.0', T0);
    expect(p.visitorId('example.org', '81.6.12.34', 'Mozilla/5.0', T0)).not.toBe(id);
    expect(p.visitorId('example.com', '81.6.12.35', 'Mozilla/5.0', T0)).not.toBe(id); // same /24
    expect(p.visitorId('example.com', '2a02:8108:1234:5678::1', 'Mozilla/5.0', T0)).not.toBe(p.visitorId('example.com', '2a02:8108:1234:5678::2', 'Mozilla/5.0', T0));
    expect(p.visitorId('example.com', '81.6.12.34', 'Mozilla/5.1', T0)).not.toBe(id);
    expect(p.visitorId('example.com', '81.6.12.34', 'Mozilla/5.0', T0 + DAY)).not.toBe(id);
    expect(p.visitorId('example.com', '81.6.12.34', 'Mozilla/5.0', T0 + HOUR)).toBe(id);
    expect(p.visitorId('example.com', '81.6.12.34', 'Mozilla/5.0', T0)).not.toBe(p.pseudonym(VISITOR_NAMESPACE, 'example.com 81.6.12.34 Mozilla/5.0', T0));
  });
});

describe('config', () => {
  it('defaults to 128 bits, no prefix and a 100 000-entry cache', () => {
    expect(pseudonymOptionsFromConfig(pseudonymConfigSchema.parse({}))).toEqual({ bits: 128, prefix: '', cacheSize: 100_000 });
    expect(pseudonymOptionsFromConfig(pseudonymConfigSchema.parse({ bits: 256, prefix: 'u_', cache_size: 0 }))).toEqual({ bits: 256, prefix: 'u_', cacheSize: 0 });
  });

  it('rejects short or odd sizes, prefixes that could break a log line, and unknown keys', () => {
    for (const bits of [64, 120, 129, 264]) expect(pseudonymConfigSchema.safeParse({ bits }).success, String(bits)).toBe(false);
    for (const prefix of ['a b', 'x"', "x'", 'a'.repeat(17), 'ä']) expect(pseudonymConfigSchema.safeParse({ prefix }).success, prefix).toBe(false);
    expect(pseudonymConfigSchema.safeParse({ cache_size: -1 }).success).toBe(false);
    expect(pseudonymConfigSchema.safeParse({ size: 128 }).success).toBe(false);
  });
});

describe('two processes sharing one keyring directory', () => {
  let distDir: string;

  beforeAll(() => {
    distDir = compileForChildren(['transforms/pseudonymise.ts', 'keyring/index.ts']);
  }, 60_000);

  afterAll(() => removeCompiled(distDir));

  it('computes identical pseudonyms for the same event in both, and different ones in another epoch', async () => {
    const saltDir = join(root, 'salts-shared'); // empty: the two children race to create the salts
    const requests = [
      ['user', 'alice', T0],
      ['user', 'alice', T0 + 3 * HOUR], // same epoch
      ['user', 'alice', T0 + DAY], // next epoch (open: it is in the future)
      ['session', 'alice', T0],
    ];
    const child = join(PROJECT_ROOT, 'test', 'transforms', 'pseudonymise-child.mjs');
    const run = async (): Promise<string[]> => {
      const { stdout } = await promisify(execFile)(process.execPath, [child, distDir, saltDir, String(T0), JSON.stringify(requests)]);
      return JSON.parse(stdout) as string[];
    };
    const [a, b] = await Promise.all([run(), run()]);
    expect(a).toHaveLength(4);
    expect(b).toEqual(a);
    expect(a[1]).toBe(a[0]);
    expect(a[2]).not.toBe(a[0]);
    expect(a[3]).not.toBe(a[0]);
    // And the test process, on the same directory, agrees with both and with the oracle over the salt file.
    const mine = newKeyring(saltDir);
    await mine.prepare(clock.t);
    expect(pseudonymiser({}, mine).pseudonym('user', 'alice', T0)).toBe(a[0]);
    mine.close();
    const onDisk = readFileSync(join(saltDir, 'P1D-20261122T000000Z.salt'));
    expect(a[0]).toBe(oracle(onDisk, 'user', 'alice'));
    expect(a[2]).toBe(oracle(readFileSync(join(saltDir, 'P1D-20261123T000000Z.salt')), 'user', 'alice'));
  }, 30_000);
});

describe('Pseudonymiser.dropWiped', () => {
  it('forgets the keyed state and cached pseudonyms of an epoch whose salt was destroyed, without waiting for the next line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gallra-dropwiped-'));
    try {
      let now = T0;
      const keyring = new FileKeyring({ dir, period: 'P1D', grace: parseDuration('PT1H')!, future: parseDuration('PT1H')!, now: () => now });
      await keyring.prepare(now);
      const p = new Pseudonymiser(keyring, DEFAULT_PSEUDONYM_OPTIONS);
      p.pseudonym('user', 'alice', T0);
      const states = (p as unknown as { states: Map<number, { mac: { destroyed: boolean }; caches: Map<string, StringCache<string>> }> }).states;
      expect(states.size).toBe(1);
      const state = [...states.values()][0]!;
      // The day ends, the grace passes, housekeeping destroys the salt — and no line comes.
      now = T0 + DAY;
      await keyring.destroyClosed();
      p.dropWiped();
      expect(states.size).toBe(0);
      expect(state.mac.destroyed).toBe(true);
      expect([...state.caches.values()].every((c) => c.size === 0)).toBe(true);
      keyring.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
