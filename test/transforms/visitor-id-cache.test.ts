/**
 * The visitor id cache (src/transforms/visitor-id/cache.ts): a hit must
 * return exactly the id the HMAC gives for the same host, address and user
 * agent in the same epoch — never another visitor's — and the cache, which
 * links raw addresses to ids, must be gone once the epoch's salt is.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileKeyring } from '../../src/keyring/index.js';
import { parseDuration } from '../../src/time/duration.js';
import { DEFAULT_PSEUDONYM_OPTIONS, Pseudonymiser, VISITOR_NAMESPACE } from '../../src/transforms/pseudonymise.js';
import { VisitorIdCache } from '../../src/transforms/visitor-id/cache.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 22, 12);

let root: string;
let now: number;
let keyring: FileKeyring;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'gallra-visitor-cache-'));
  now = T0;
  keyring = new FileKeyring({ dir: join(root, 'salts'), period: 'P1D', grace: parseDuration('PT1H')!, future: parseDuration('P1D')!, now: () => now });
  await keyring.prepare(now);
});

afterEach(() => {
  keyring.close();
  rmSync(root, { recursive: true, force: true });
});

/** The construction from DESIGN.md, computed with node:crypto. */
function oracle(t: number, host: string, ip: string, ua: string): string {
  return createHmac('sha256', keyring.saltFor(t).salt)
    .update(`${VISITOR_NAMESPACE}\0${host}\0${ip}\0${ua}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

describe('visitor id cache', () => {
  it('returns, hit or miss, exactly the HMAC of host, address and user agent of the event epoch (a small cache, so it also starts over)', () => {
    const p = new Pseudonymiser(keyring, { ...DEFAULT_PSEUDONYM_OPTIONS, cacheSize: 7 });
    const value = fc.constantFrom('a.example', 'b.example', '', '10.0.0.1', '10.0.0.10', '2001:db8::1', 'Mozilla/5.0', 'Mozilla/5.0 ', 'curl/8', '-');
    const visit = fc.tuple(value, value, value, fc.constantFrom(T0, T0 + HOUR, T0 + DAY - 1, T0 + DAY));
    fc.assert(
      fc.property(fc.array(visit, { minLength: 1, maxLength: 60 }), (visits) => {
        for (const [host, ip, ua, t] of visits) expect(p.visitorId(host, ip, ua, t)).toBe(oracle(t, host, ip, ua));
      }),
      { seed: 0x51, numRuns: 150 },
    );
  });

  it('tells apart visitors behind one address by user agent and host (no collision through the address key)', () => {
    const c = new VisitorIdCache(100);
    c.set('a.example', '10.0.0.1', 'UA1', 'id1');
    c.set('a.example', '10.0.0.1', 'UA2', 'id2');
    c.set('b.example', '10.0.0.1', 'UA1', 'id3');
    expect([c.get('a.example', '10.0.0.1', 'UA1'), c.get('a.example', '10.0.0.1', 'UA2'), c.get('b.example', '10.0.0.1', 'UA1')]).toEqual(['id1', 'id2', 'id3']);
    expect(c.get('a.example', '10.0.0.1', 'UA3')).toBeUndefined();
    expect(c.get('a.example', '10.0.0.2', 'UA1')).toBeUndefined();
    expect(c.size).toBe(3);
  });

  it('is emptied with its epoch: once housekeeping destroys the salt, no address → id entry is left in memory', async () => {
    const p = new Pseudonymiser(keyring, DEFAULT_PSEUDONYM_OPTIONS);
    p.visitorId('a.example', '81.6.12.34', 'Mozilla/5.0', T0);
    const states = (p as unknown as { states: Map<number, { visitors: VisitorIdCache | undefined }> }).states;
    const cache = [...states.values()][0]!.visitors!;
    expect(cache.size).toBe(1);
    // The day ends, the grace passes, housekeeping destroys the salt — and no line comes.
    now = T0 + DAY + 2 * HOUR;
    await keyring.destroyClosed();
    p.dropWiped();
    expect(cache.size).toBe(0);
    expect(states.size).toBe(0);
  });
});
