import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdaptiveMemo, detach, hashBytes, hashString, StringCache } from '../../src/util/string-cache.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FC = { seed: 0x5ca1e, numRuns: 500 } as const;

describe('hashBytes and hashString', () => {
  it('agree for latin1 text at any byte offset and alignment of the buffer', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 70 }), fc.nat(7), fc.nat(7), (text, bufferOffset, pad) => {
        const backing = new ArrayBuffer(text.length + bufferOffset + pad + 8);
        const bytes = new Uint8Array(backing, bufferOffset);
        bytes.set(Buffer.from(text, 'latin1'), pad);
        const view = new DataView(backing, bufferOffset);
        expect(hashBytes(view, pad, pad + text.length)).toBe(hashString(text, 0, text.length));
        // And against a range inside a longer string.
        const line = '#'.repeat(pad) + text + '##';
        expect(hashString(line, pad, pad + text.length)).toBe(hashString(text, 0, text.length));
      }),
      FC,
    );
  });

  it('returns unsigned 32-bit values that differ for different lengths and contents', () => {
    const h = hashString('/api/v1/users/12345', 0, 19);
    expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    expect(hashString('', 0, 0)).not.toBe(hashString('\0', 0, 1));
    expect(hashString('abcd', 0, 4)).not.toBe(hashString('abce', 0, 4));
    const seen = new Set<number>();
    for (let k = 0; k < 10_000; k++) seen.add(hashString(`/p/${k}`, 0, `/p/${k}`.length));
    expect(seen.size).toBeGreaterThan(9_990);
  });
});

describe('StringCache', () => {
  it('rounds its capacity up to whole sets, a power of two of them', () => {
    expect(new StringCache(1000).capacity).toBe(1024);
    expect(new StringCache(1024).capacity).toBe(1024);
    expect(new StringCache(1025).capacity).toBe(2048);
    expect(new StringCache(1).capacity).toBe(4);
    expect(new StringCache(0).capacity).toBe(4);
    expect(new StringCache(10, 2).capacity).toBe(16);
    expect(new StringCache(10, 8).capacity).toBe(16);
  });

  it('stores and finds values, replacing the value of a key already held without growing', () => {
    const c = new StringCache<number>(16);
    expect(c.get('a')).toBeUndefined();
    c.set('a', 1);
    c.set('bb', 2);
    expect(c.get('a')).toBe(1);
    expect(c.get('bb')).toBe(2);
    expect(c.size).toBe(2);
    c.set('a', 3);
    expect(c.get('a')).toBe(3);
    expect(c.size).toBe(2);
    c.clear();
    expect(c.size).toBe(0);
    expect(c.get('a')).toBeUndefined();
    c.set('a', 4);
    expect(c.get('a')).toBe(4);
  });

  it('looks up a range of a longer string without slicing it first (getRange) and stores by hash (setHashed)', () => {
    const c = new StringCache<string>(64);
    const line = '1.2.3.4 - - "GET /index.html HTTP/1.1" 200';
    const s = line.indexOf('/index.html');
    const e = s + '/index.html'.length;
    const h = hashString(line, s, e);
    expect(c.getRange(line, s, e, h)).toBeUndefined();
    c.setHashed(line.slice(s, e), h, 'page');
    expect(c.getRange(line, s, e, h)).toBe('page');
    expect(c.get('/index.html')).toBe('page');
    // Same hash, different text: a miss, never the other key's value.
    expect(c.getRange('/index.htmX', 0, 11, h)).toBeUndefined();
    // Same text, different length range: a miss.
    expect(c.getRange(line, s, e - 1, h)).toBeUndefined();
    // The whole string as the range.
    expect(c.getRange('/index.html', 0, 11, h)).toBe('page');
  });

  it('memoises through()', () => {
    const c = new StringCache<string>(64);
    let calls = 0;
    const f = (k: string): string => {
      calls++;
      return k.toUpperCase();
    };
    expect(c.through('abc', f)).toBe('ABC');
    expect(c.through('abc', f)).toBe('ABC');
    expect(c.through('abd', f)).toBe('ABD');
    expect(calls).toBe(2);
  });

  it('never holds more than capacity entries, nor more than `ways` per set', () => {
    const c = new StringCache<number>(64, 4);
    for (let k = 0; k < 10_000; k++) {
      c.set(`key-${k}`, k);
      expect(c.size).toBeLessThanOrEqual(c.capacity);
    }
    expect(c.size).toBe(64);
    // Forty keys forced into one set: only the last four survive there.
    const one = new StringCache<number>(64, 4);
    for (let k = 0; k < 40; k++) one.setHashed(`k${k}`, 7, k);
    expect(one.size).toBe(4);
    const found = Array.from({ length: 40 }, (_, k) => one.getRange(`k${k}`, 0, `k${k}`.length, 7));
    expect(found.slice(36)).toEqual([36, 37, 38, 39]);
    expect(found.slice(0, 36).every((v) => v === undefined)).toBe(true);
  });

  it('never returns a wrong value when many keys collide on one set or one hash', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 8 }),
        (ops, ways) => {
          const c = new StringCache<string>(8, ways);
          const truth = new Map<string, string>();
          for (const [key, bucket] of ops) {
            // Hashes chosen to collide: four values, all mapping to few sets.
            const h = bucket * 8;
            const hit = c.getRange(key, 0, key.length, h);
            if (hit !== undefined) expect(hit).toBe(truth.get(`${bucket}|${key}`));
            const value = `v:${bucket}:${key}:${ops.length}`;
            c.setHashed(key, h, value);
            truth.set(`${bucket}|${key}`, value);
            expect(c.getRange(key, 0, key.length, h)).toBe(value);
            expect(c.size).toBeLessThanOrEqual(c.capacity);
          }
        },
      ),
      FC,
    );
  });

  it('stores copies of keys and values that do not share storage with a log chunk', () => {
    const c = new StringCache<string>(16);
    const chunk = 'prefix-' + 'x'.repeat(100) + '-suffix';
    c.set(chunk.slice(7, 40), chunk.slice(20, 60));
    expect(c.get('x'.repeat(33))).toBe('x'.repeat(40));
  });
});

describe('detach', () => {
  it('returns an equal string', () => {
    const chunk = 'GET /api/v1/users/12345 HTTP/1.1 ünïcode 😀 '.repeat(20);
    for (let a = 0; a < 60; a += 7) for (let z = a; z < a + 40; z += 3) expect(detach(chunk.slice(a, z))).toBe(chunk.slice(a, z));
    expect(detach('')).toBe('');
    expect(detach('\ud800 lone surrogate, long enough')).toBe('\ud800 lone surrogate, long enough');
  });

  describe('memory (child processes run with --expose-gc)', () => {
    let distDir: string;

    beforeAll(async () => {
      // Node 20 cannot import .ts. The module imports nothing, so transpiling it alone
      // (no type check, no other files) is enough, and much faster than running tsc.
      const ts = (await import('typescript')).default;
      const source = readFileSync(join(PROJECT_ROOT, 'src', 'util', 'string-cache.ts'), 'utf8');
      const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
      distDir = mkdtempSync(join(tmpdir(), 'gallra-string-cache-'));
      writeFileSync(join(distDir, 'string-cache.mjs'), outputText);
    }, 60_000);

    afterAll(() => {
      if (distDir !== undefined) rmSync(distDir, { recursive: true, force: true });
    });

    function measure(mode: 'detach' | 'slice'): { base: number; withBig: number; after: number; kept: string } {
      const out = execFileSync(process.execPath, ['--expose-gc', join(PROJECT_ROOT, 'test', 'util', 'detach-child.mjs'), join(distDir, 'string-cache.mjs'), mode], {
        encoding: 'utf8',
      });
      return JSON.parse(out) as { base: number; withBig: number; after: number; kept: string };
    }

    const MB = 1_000_000;

    it('a plain slice keeps its 50 MB parent alive (the control: the measurement can see retention)', () => {
      const m = measure('slice');
      expect(m.kept).toBe('abcdefghij'.repeat(2));
      expect(m.withBig - m.base).toBeGreaterThan(45 * MB);
      expect(m.withBig - m.after).toBeLessThan(5 * MB);
    }, 30_000);

    it('a detached slice lets its 50 MB parent be collected while it is still referenced', () => {
      const m = measure('detach');
      expect(m.kept).toBe('abcdefghij'.repeat(2));
      expect(m.withBig - m.base).toBeGreaterThan(45 * MB);
      expect(m.withBig - m.after).toBeGreaterThan(45 * MB);
    }, 30_000);
  });
});

describe('AdaptiveMemo', () => {
  const WINDOW = 4096;
  const PAUSE = 65_536;

  it('stays active while at least a quarter of lookups hit', () => {
    const memo = new AdaptiveMemo<string>(64);
    let inactive = 0;
    for (let k = 0; k < 10 * WINDOW; k++) {
      if (!memo.active()) inactive++;
      memo.record(k % 4 === 0); // exactly 25 %
    }
    expect(inactive).toBe(0);
  });

  it('pauses itself for 65 536 values when fewer than a quarter hit in a window, then resumes', () => {
    const memo = new AdaptiveMemo<string>(64);
    let inactive = 0;
    for (let k = 0; k < WINDOW; k++) {
      if (!memo.active()) inactive++;
      memo.record(k < WINDOW / 4 - 1); // one hit short of 25 %
    }
    expect(inactive).toBe(0);
    let paused = 0;
    while (!memo.active() && paused <= PAUSE) paused++;
    expect(paused).toBe(PAUSE);
    // A good window after the pause keeps it on.
    for (let k = 0; k < WINDOW; k++) memo.record(true);
    expect(memo.active()).toBe(true);
  });

  it('judges each window afresh', () => {
    const memo = new AdaptiveMemo<string>(64);
    for (let k = 0; k < WINDOW; k++) memo.record(true);
    expect(memo.active()).toBe(true);
    for (let k = 0; k < WINDOW - 1; k++) memo.record(false);
    expect(memo.active()).toBe(true); // the window is not full yet
    memo.record(false);
    expect(memo.active()).toBe(false);
  });

  it('exposes a working cache', () => {
    const memo = new AdaptiveMemo<number>(100);
    memo.cache.set('a', 1);
    expect(memo.cache.get('a')).toBe(1);
    expect(memo.cache.capacity).toBe(128);
  });
});

describe('StringCache growth', () => {
  it('starts small, grows towards its capacity as entries come, and still finds every entry after growing', () => {
    const cache = new StringCache<number>(100_000);
    expect(cache.capacity).toBe(131_072);
    const n = 20_000;
    for (let i = 0; i < n; i++) cache.set(`/api/v1/users/${i}`, i);
    // Growth re-places entries by their stored hashes; a 4-way set may overflow
    // now and then, so nearly all (not strictly all) must still be there.
    let found = 0;
    for (let i = 0; i < n; i++) if (cache.get(`/api/v1/users/${i}`) === i) found++;
    expect(found).toBeGreaterThan(n * 0.97);
    expect(cache.size).toBeLessThanOrEqual(cache.capacity);
    // Nothing found is ever a wrong value.
    for (let i = 0; i < n; i++) {
      const v = cache.get(`/api/v1/users/${i}`);
      if (v !== undefined) expect(v).toBe(i);
    }
  });

  it('costs little to create: the first table is small whatever the capacity', () => {
    const caches = Array.from({ length: 200 }, () => new StringCache<string>(1_000_000));
    const before = process.memoryUsage().heapUsed;
    const more = Array.from({ length: 200 }, () => new StringCache<string>(1_000_000));
    const perCache = (process.memoryUsage().heapUsed - before) / more.length;
    expect(perCache).toBeLessThan(64 * 1024);
    expect(caches.length + more.length).toBe(400);
  });
});
