/**
 * The file keyring: epochs and their salt files, permissions and corruption,
 * closed epochs and destruction, housekeeping operations, and salts never
 * showing up in output. prepare() and the no-I/O lookup have their own file
 * (prepare.test.ts).
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileKeyring } from '../../src/keyring/index.js';
import { type Duration, parseDuration } from '../../src/time/duration.js';
import { compileForChildren, removeCompiled } from '../helpers/compile.js';
import { bytesOf, DAY, duration, expectGallraError, HOUR, isAllZero, type KeyringFixture, keyringFixture, raceChildren, T0 } from '../helpers/keyring.js';

let f: KeyringFixture;
let dir: string;
let root: string;
let clock: { t: number };

beforeEach(() => {
  f = keyringFixture();
  ({ dir, root, clock } = f);
});

afterEach(() => f.cleanup());

describe('epochs and salts', () => {
  it('refuses a grace or future that is not a Duration (every close time would be NaN, and no salt fast)', () => {
    expect(() => f.keyring({ grace: { ms: HOUR } as unknown as Duration })).toThrow(/grace must be a Duration/);
    expect(() => f.keyring({ future: { ms: HOUR } as unknown as Duration })).toThrow(/future must be a Duration/);
  });

  it('returns the same salt object and bytes for every event of one epoch', async () => {
    const kr = f.keyring();
    await kr.prepare(clock.t);
    const a = kr.saltFor(Date.UTC(2026, 10, 22, 0, 0, 0));
    const b = kr.saltFor(Date.UTC(2026, 10, 22, 23, 59, 59, 999));
    kr.saltFor(Date.UTC(2026, 10, 21, 23, 30)); // another epoch in between: not just the fast path
    const c = kr.saltFor(Date.UTC(2026, 10, 22, 9));
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(a.salt).toHaveLength(32);
    expect(a.ephemeral).toBe(false);
    expect(isAllZero(a.salt)).toBe(false);
  });

  it('gives different epochs different salts', async () => {
    clock.t = Date.UTC(2026, 10, 22, 0, 30); // yesterday is still in its grace hour, so both persist
    const kr = f.keyring();
    await kr.prepare(clock.t);
    const today = kr.saltFor(Date.UTC(2026, 10, 22, 0, 10));
    const yesterday = kr.saltFor(Date.UTC(2026, 10, 21, 23, 59));
    expect(yesterday).not.toBe(today);
    expect(yesterday.ephemeral || today.ephemeral).toBe(false);
    expect(bytesOf(yesterday.salt)).not.toEqual(bytesOf(today.salt));
    expect(f.saltFiles()).toEqual(['P1D-20261121T000000Z.salt', 'P1D-20261122T000000Z.salt']);
  });

  it('persists exactly the 32 salt bytes, so a second keyring on the same directory returns the same salt', async () => {
    const kr1 = f.keyring();
    await kr1.prepare(clock.t);
    const first = kr1.saltFor(T0);
    const onDisk = readFileSync(join(dir, 'P1D-20261122T000000Z.salt'));
    expect(onDisk.length).toBe(32);
    expect(bytesOf(onDisk)).toEqual(bytesOf(first.salt));
    const kr2 = f.keyring();
    await kr2.prepare(clock.t);
    expect(bytesOf(kr2.saltFor(T0 + HOUR).salt)).toEqual(bytesOf(first.salt));
  });

  it.each([
    { period: 'P1D', event: Date.UTC(2026, 10, 22, 15, 4, 5), start: Date.UTC(2026, 10, 22), end: Date.UTC(2026, 10, 23), file: 'P1D-20261122T000000Z.salt' },
    { period: 'PT1H', event: Date.UTC(2026, 10, 22, 15, 4, 5), start: Date.UTC(2026, 10, 22, 15), end: Date.UTC(2026, 10, 22, 16), file: 'PT1H-20261122T150000Z.salt' },
    // 2026-11-25 is a Wednesday; its ISO week starts Monday 2026-11-23.
    { period: 'P7D', event: Date.UTC(2026, 10, 25, 15), start: Date.UTC(2026, 10, 23), end: Date.UTC(2026, 10, 30), file: 'P7D-20261123T000000Z.salt' },
    { period: 'P1M', event: Date.UTC(2026, 1, 15, 15), start: Date.UTC(2026, 1, 1), end: Date.UTC(2026, 2, 1), file: 'P1M-20260201T000000Z.salt' },
  ] as const)('aligns $period epochs to UTC boundaries and names the file $file', async ({ period, event, start, end, file }) => {
    clock.t = event;
    const kr = f.keyring({ period });
    await kr.rotate(); // the current epoch's salt only
    const s = kr.saltFor(event);
    expect(s.period).toBe(period);
    expect(new Date(s.start).toISOString()).toBe(new Date(start).toISOString());
    expect(new Date(s.end).toISOString()).toBe(new Date(end).toISOString());
    expect(s.closesAt).toBe(end + HOUR);
    expect(f.saltFiles()).toEqual([file]);
  });
});

describe('permissions and corruption', () => {
  it('creates the directory with mode 0700 and salt files with mode 0600 even when the umask would strip owner bits', async () => {
    let old: number | undefined;
    try {
      old = process.umask(0o277);
    } catch {
      // umask cannot be changed in a worker thread; the modes are still checked below
    }
    try {
      await f.keyring().prepare(T0);
    } finally {
      if (old !== undefined) process.umask(old);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'P1D-20261122T000000Z.salt')).mode & 0o777).toBe(0o600);
  });

  it('rejects a salt directory that group or others can access with GALLRA_KEYRING_PERMISSIONS naming the directory, its mode and the chmod 700 fix', async () => {
    mkdirSync(dir);
    chmodSync(dir, 0o750);
    const err = await expectGallraError(() => f.keyring().prepare(T0), 'GALLRA_KEYRING_PERMISSIONS');
    expect(err.message).toContain(dir);
    expect(err.message).toContain('0750');
    expect(err.message).toContain(`chmod 700 ${dir}`);
    expect(f.saltFiles()).toEqual([]);
    await expectGallraError(() => f.keyring().rotate(), 'GALLRA_KEYRING_PERMISSIONS');
  });

  it('rejects a salt file whose mode is not 0600 with GALLRA_KEYRING_PERMISSIONS naming the file and the chmod 600 fix', async () => {
    const path = f.plantSalt('P1D-20261122T000000Z.salt', new Uint8Array(32).fill(1), 0o640);
    const err = await expectGallraError(() => f.keyring().prepare(T0), 'GALLRA_KEYRING_PERMISSIONS');
    expect(err.message).toContain(path);
    expect(err.message).toContain('0640');
    expect(err.message).toContain(`chmod 600 ${path}`);
  });

  it('rejects a salt file that is not exactly 32 bytes with GALLRA_KEYRING_CORRUPT telling how to get rid of it', async () => {
    const path = f.plantSalt('P1D-20261122T000000Z.salt', new Uint8Array(16).fill(1));
    const err = await expectGallraError(() => f.keyring().prepare(T0), 'GALLRA_KEYRING_CORRUPT');
    expect(err.message).toContain(path);
    expect(err.message).toContain('gallra salts destroy --all');
  });

  it('refuses a symbolic link in place of a salt file, and destroying it removes the link but leaves its target alone', async () => {
    const target = join(root, 'elsewhere');
    writeFileSync(target, new Uint8Array(32).fill(5), { mode: 0o600 });
    mkdirSync(dir, { mode: 0o700 });
    const link = join(dir, 'P1D-20261122T000000Z.salt');
    symlinkSync(target, link);
    const err = await expectGallraError(() => f.keyring().prepare(T0), 'GALLRA_KEYRING_CORRUPT');
    expect(err.message).toContain('symbolic link');
    clock.t = Date.UTC(2026, 10, 23, 1); // closed: destroyClosed takes the link away
    const destroyed = await f.keyring().destroyClosed();
    expect(destroyed.map((d) => d.path)).toEqual([link]);
    expect(readdirSync(dir)).toEqual([]);
    expect(bytesOf(readFileSync(target))).toEqual(bytesOf(new Uint8Array(32).fill(5)));
  });

  it('reports a salt directory that cannot be created as GALLRA_KEYRING_IO with the cause', async () => {
    writeFileSync(dir, 'not a directory');
    const err = await expectGallraError(() => f.keyring().prepare(T0), 'GALLRA_KEYRING_IO');
    expect(err.message).toContain(dir);
    expect(err.cause).toBeDefined();
  });
});

describe('concurrent processes on one host', () => {
  let distDir: string;

  beforeAll(() => {
    distDir = compileForChildren(['keyring/index.ts']);
  }, 60_000);

  afterAll(() => removeCompiled(distDir));

  it('eight processes racing to create the same epoch salt all get the same salt, leaving one salt file and no temp files', async () => {
    const outputs = await raceChildren(distDir, 8, { dir, period: 'P1D', now: T0, events: [T0] });
    const fingerprints = outputs.map((o) => /fingerprint ([0-9a-f]{64})/.exec(o)?.[1]);
    expect(fingerprints.every((fp) => fp !== undefined)).toBe(true);
    expect(new Set(fingerprints).size).toBe(1);
    expect(readdirSync(dir)).toEqual(['P1D-20261122T000000Z.salt']);
    const onDisk = readFileSync(join(dir, 'P1D-20261122T000000Z.salt'));
    expect(createHash('sha256').update(onDisk).digest('hex')).toBe(fingerprints[0]);
  }, 60_000);
});

describe('closed epochs', () => {
  it('destroyClosed overwrites a closed epoch salt file in place before unlinking it', async () => {
    const kr = f.keyring();
    await kr.prepare(clock.t);
    const original = bytesOf(kr.saltFor(T0).salt);
    const path = join(dir, 'P1D-20261122T000000Z.salt');
    const witness = join(root, 'witness'); // a second name for the same inode sees in-place writes
    linkSync(path, witness);
    clock.t = Date.UTC(2026, 10, 23, 1); // end 23rd 00:00 + grace PT1H
    const destroyed = await kr.destroyClosed();
    expect(destroyed.map((d) => d.path)).toEqual([path]);
    expect(existsSync(path)).toBe(false);
    const after = readFileSync(witness);
    expect(after.length).toBe(32);
    expect(bytesOf(after)).not.toEqual(original);
  });

  it('keeps a salt through its grace period and destroys it the moment end + grace is reached', async () => {
    const kr = f.keyring();
    await kr.prepare(clock.t);
    clock.t = Date.UTC(2026, 10, 23, 1) - 1;
    expect(await kr.destroyClosed()).toEqual([]);
    expect((await kr.list()).map((i) => i.state)).toEqual(['open']);
    expect(f.saltFiles()).toEqual(['P1D-20261122T000000Z.salt']);
    clock.t += 1;
    expect((await kr.list()).map((i) => i.state)).toEqual(['closed']);
    expect(await kr.destroyClosed()).toHaveLength(1);
    expect(f.saltFiles()).toEqual([]);
  });

  it('gives events of a closed epoch an ephemeral salt that is stable within the process, differs from the destroyed one and is never written', async () => {
    const kr = f.keyring();
    await kr.prepare(clock.t);
    const original = bytesOf(kr.saltFor(T0).salt);
    clock.t = Date.UTC(2026, 10, 24, 12);
    await kr.destroyClosed();
    await kr.prepare(clock.t);
    const e1 = kr.saltFor(T0);
    kr.saltFor(clock.t); // move the fast path elsewhere
    const e2 = kr.saltFor(T0 + 3 * HOUR);
    expect(e1.ephemeral).toBe(true);
    expect(e2).toBe(e1);
    expect(isAllZero(e1.salt)).toBe(false);
    expect(bytesOf(e1.salt)).not.toEqual(original);
    expect(f.saltFiles()).toEqual(['P1D-20261124T000000Z.salt']); // only the current epoch's
    // Another process (keyring) gets its own ephemeral salt: linkable to nothing else.
    expect(bytesOf(f.keyring().saltFor(T0).salt)).not.toEqual(bytesOf(e1.salt));
  });

  it('never reads a leftover file of a closed epoch; the lookup leaves it alone and housekeeping destroys it', async () => {
    const planted = new Uint8Array(32).fill(9);
    const path = f.plantSalt('P1D-20261122T000000Z.salt', planted);
    const witness = join(root, 'witness');
    linkSync(path, witness);
    clock.t = Date.UTC(2026, 10, 23, 1);
    const kr = f.keyring();
    await kr.prepare(clock.t);
    const s = kr.saltFor(T0);
    expect(s.ephemeral).toBe(true);
    expect(bytesOf(s.salt)).not.toEqual(bytesOf(planted));
    // The lookup destroys nothing: the file waits for housekeeping, untouched.
    expect(bytesOf(readFileSync(path))).toEqual(bytesOf(planted));
    await kr.destroyClosed();
    expect(existsSync(path)).toBe(false);
    expect(bytesOf(readFileSync(witness))).not.toEqual(bytesOf(planted));
  });

  it('stops handing out the salt of an epoch that closes while the keyring is in use, and housekeeping then zero-fills it and destroys its file', async () => {
    const kr = f.keyring();
    await kr.prepare(clock.t);
    const old = kr.saltFor(T0);
    const oldBytes = old.salt; // the very array a pseudonymiser would hold
    expect(isAllZero(oldBytes)).toBe(false);
    clock.t = Date.UTC(2026, 10, 23, 1);
    await kr.prepare(clock.t);
    const current = kr.saltFor(clock.t);
    const late = kr.saltFor(T0);
    expect(late).not.toBe(old);
    expect(late.ephemeral).toBe(true);
    // Not yet destroyed: that is housekeeping's job.
    expect(old.wiped).toBe(false);
    expect(f.saltFiles()).toEqual(['P1D-20261122T000000Z.salt', 'P1D-20261123T000000Z.salt']);
    await kr.destroyClosed();
    expect(isAllZero(oldBytes)).toBe(true);
    expect(old.wiped).toBe(true);
    expect(current.wiped).toBe(false);
    expect(f.saltFiles()).toEqual(['P1D-20261123T000000Z.salt']);
  });

  it('does not hand out a closed epoch salt through the per-line fast path, and housekeeping wipes it while the fast path keeps serving the current epoch', async () => {
    clock.t = Date.UTC(2026, 10, 23, 0, 30); // inside yesterday's grace hour
    const kr = f.keyring();
    await kr.prepare(clock.t);
    const current = kr.saltFor(clock.t);
    const late = kr.saltFor(Date.UTC(2026, 10, 22, 23, 59)); // a late event of yesterday: now the fast path's salt
    expect(late.ephemeral).toBe(false);
    clock.t = Date.UTC(2026, 10, 23, 1, 0, 0, 1);
    expect(kr.saltFor(Date.UTC(2026, 10, 22, 23, 58))).not.toBe(late); // same epoch as last call, but closed now
    expect(kr.saltFor(clock.t)).toBe(current);
    expect(kr.saltFor(clock.t + 1)).toBe(current); // the fast-path case
    await kr.destroyClosed();
    expect(late.wiped).toBe(true);
    expect(isAllZero(late.salt)).toBe(true);
    expect(kr.saltFor(clock.t + 2)).toBe(current);
    expect(f.saltFiles()).toEqual(['P1D-20261123T000000Z.salt']);
  });

  it('holds at most 1000 ephemeral salts, wiping the oldest-created one when more closed epochs are seen', () => {
    const kr = f.keyring({ period: 'PT1H' });
    const first = kr.saltFor(T0 - 2000 * HOUR);
    for (let i = 1; i < 1000; i++) kr.saltFor(T0 - (2000 - i) * HOUR);
    expect(first.wiped).toBe(false);
    expect(kr.saltFor(T0 - 2000 * HOUR)).toBe(first);
    kr.saltFor(T0 - 10 * HOUR); // the 1001st distinct closed epoch
    expect(first.wiped).toBe(true);
    expect(isAllZero(first.salt)).toBe(true);
    const again = kr.saltFor(T0 - 2000 * HOUR);
    expect(again).not.toBe(first);
    expect(again.ephemeral).toBe(true);
    expect(f.saltFiles()).toEqual([]);
  });

  it('gives an event beyond year 9999 an ephemeral salt, since its file could never be listed or destroyed, and rejects a non-time', async () => {
    const kr = f.keyring();
    clock.t = Date.UTC(10_000, 0, 1, 12);
    await kr.prepare(clock.t); // nothing it could name: nothing loaded, nothing written
    const far = kr.saltFor(Date.UTC(10_000, 0, 1, 13));
    expect(far.ephemeral).toBe(true);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    expect(() => kr.saltFor(Number.NaN)).toThrow(RangeError);
    await expect(kr.prepare(Number.NaN)).rejects.toThrow(RangeError);
  });
});

describe('salts never show up in output', () => {
  it('JSON.stringify, util.inspect, console-style formatting and String() of an EpochSalt do not contain the salt bytes', async () => {
    const kr = f.keyring();
    await kr.prepare(clock.t);
    for (const s of [kr.saltFor(T0), kr.saltFor(T0 - 30 * DAY)]) {
      const buf = Buffer.from(s.salt);
      const forms = [buf.toString('hex'), buf.toString('base64'), buf.toString('base64url'), bytesOf(s.salt).join(', '), bytesOf(s.salt).join(',')];
      const outputs = [
        JSON.stringify(s),
        JSON.stringify({ nested: s }),
        JSON.stringify({ ...s }),
        inspect(s),
        inspect(s, { showHidden: true, depth: Infinity, getters: true }),
        inspect({ nested: s }, { showHidden: true, depth: Infinity }),
        format('%o %O %j %s', s, s, s, s),
        String(s),
        `${s}`,
      ];
      for (const out of outputs) {
        for (const form of forms) expect(out).not.toContain(form);
      }
      expect(JSON.stringify(s)).toContain('redacted');
      expect(inspect(s)).toContain(s.period);
    }
  });
});

describe('housekeeping operations', () => {
  it('rotate creates the current epoch salt once and destroys closed salts, judging each file by its own period', async () => {
    const kr = f.keyring();
    await kr.prepare(clock.t);
    f.plantSalt('PT1H-20261124T100000Z.salt'); // an hour that closed at 12:00 with PT1H grace
    f.plantSalt('P1M-20261101T000000Z.salt'); // November is still open under its own period
    clock.t = Date.UTC(2026, 10, 24, 12);
    const first = await kr.rotate();
    expect(first.created?.path).toBe(join(dir, 'P1D-20261124T000000Z.salt'));
    expect(first.created?.state).toBe('open');
    expect(first.created?.mode).toBe(0o600);
    expect(first.destroyed.map((d) => `${d.period} ${d.state}`).sort()).toEqual(['P1D closed', 'PT1H closed']);
    expect(f.saltFiles()).toEqual(['P1D-20261124T000000Z.salt', 'P1M-20261101T000000Z.salt']);
    const second = await kr.rotate();
    expect(second).toEqual({ created: undefined, destroyed: [] });
    // Another process finds the salt already there: nothing created.
    expect((await f.keyring().rotate()).created).toBeUndefined();
    // rotate made the current salt available to the lookup too.
    expect(kr.saltFor(clock.t).ephemeral).toBe(false);
  });

  it('rotate removes temp files a crash left behind once they are older than a minute and keeps fresh ones', async () => {
    const kr = f.keyring();
    await kr.prepare(clock.t);
    const stale = join(dir, '.P1D-20261122T000000Z.salt.4242.00ff00ff00ff00ff.tmp');
    const fresh = join(dir, '.P1D-20261122T000000Z.salt.4243.11ee11ee11ee11ee.tmp');
    writeFileSync(stale, new Uint8Array(32), { mode: 0o600 });
    writeFileSync(fresh, new Uint8Array(32), { mode: 0o600 });
    const twoMinutesAgo = (Date.now() - 120_000) / 1000;
    utimesSync(stale, twoMinutesAgo, twoMinutesAgo);
    await kr.rotate();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(f.saltFiles()).toEqual(['P1D-20261122T000000Z.salt']);
  });

  it('destroyAll removes every salt file, open or closed, and every temp file, wipes every in-memory salt, and the next prepare creates new salts', async () => {
    const kr = f.keyring({ future: duration('P1D') });
    await kr.prepare(clock.t);
    const today = kr.saltFor(T0);
    const tomorrow = kr.saltFor(T0 + DAY);
    const closed = kr.saltFor(T0 - 10 * DAY);
    const todayBytes = bytesOf(today.salt);
    f.plantSalt('PT1H-20261101T000000Z.salt');
    writeFileSync(join(dir, '.P1D-20261122T000000Z.salt.4242.00ff00ff00ff00ff.tmp'), new Uint8Array(32), { mode: 0o600 });
    const destroyed = await kr.destroyAll();
    expect(destroyed).toHaveLength(3);
    expect(readdirSync(dir)).toEqual([]);
    for (const s of [today, tomorrow, closed]) {
      expect(s.wiped).toBe(true);
      expect(isAllZero(s.salt)).toBe(true);
    }
    await expectGallraError(() => kr.saltFor(T0), 'GALLRA_INTERNAL');
    await kr.prepare(clock.t);
    const after = kr.saltFor(T0);
    expect(after).not.toBe(today);
    expect(isAllZero(after.salt)).toBe(false);
    expect(bytesOf(after.salt)).not.toEqual(todayBytes);
  });

  it('list describes salt files by period, bounds, state and mode without their bytes, and ignores other names', async () => {
    const kr = f.keyring();
    clock.t = Date.UTC(2026, 10, 23, 0, 30);
    await kr.prepare(clock.t); // yesterday (in its grace hour) and today
    writeFileSync(join(dir, 'README.txt'), 'hello');
    f.plantSalt('P1D-garbage.salt');
    f.plantSalt('P2D-20261122T000000Z.salt');
    f.plantSalt('P1D-20261122T010000Z.salt'); // not aligned to a day
    clock.t = Date.UTC(2026, 10, 23, 2);
    expect(await kr.list()).toEqual([
      { period: 'P1D', start: Date.UTC(2026, 10, 22), end: Date.UTC(2026, 10, 23), closesAt: Date.UTC(2026, 10, 23, 1), state: 'closed', path: join(dir, 'P1D-20261122T000000Z.salt'), mode: 0o600 },
      { period: 'P1D', start: Date.UTC(2026, 10, 23), end: Date.UTC(2026, 10, 24), closesAt: Date.UTC(2026, 10, 24, 1), state: 'open', path: join(dir, 'P1D-20261123T000000Z.salt'), mode: 0o600 },
    ]);
    expect(await f.keyring({ dir: join(root, 'missing') }).list()).toEqual([]);
  });

  it('close wipes every in-memory salt, persisted or ephemeral, and a later prepare reloads the persisted salt', async () => {
    const kr = f.keyring();
    await kr.prepare(clock.t);
    const s = kr.saltFor(T0);
    const kept = bytesOf(s.salt);
    const e = kr.saltFor(T0 - 10 * DAY);
    kr.close();
    expect(s.wiped && e.wiped).toBe(true);
    expect(isAllZero(s.salt) && isAllZero(e.salt)).toBe(true);
    await expectGallraError(() => kr.saltFor(T0), 'GALLRA_INTERNAL');
    await kr.prepare(clock.t);
    expect(bytesOf(kr.saltFor(T0).salt)).toEqual(kept);
  });
});

describe('FileKeyring ephemeral secret', () => {
  it('gives a closed epoch the same throw-away salt in every keyring that shares an ephemeral secret, and a different one otherwise, never writing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gallra-eph-'));
    try {
      const now = (): number => Date.UTC(2030, 5, 15, 12);
      const grace = parseDuration('PT1H')!;
      const future = grace;
      const secret = new Uint8Array(32).fill(7);
      const a = new FileKeyring({ dir, period: 'P1D', grace, future, now, ephemeralSecret: secret });
      const b = new FileKeyring({ dir, period: 'P1D', grace, future, now, ephemeralSecret: secret });
      const c = new FileKeyring({ dir, period: 'P1D', grace, future, now });
      const old = Date.UTC(2030, 5, 10, 9);
      const sa = a.saltFor(old);
      expect(sa.ephemeral).toBe(true);
      expect(Buffer.from(b.saltFor(old).salt).equals(Buffer.from(sa.salt))).toBe(true);
      expect(Buffer.from(c.saltFor(old).salt).equals(Buffer.from(sa.salt))).toBe(false);
      // Another closed epoch gets another salt.
      expect(Buffer.from(a.saltFor(Date.UTC(2030, 5, 9, 9)).salt).equals(Buffer.from(sa.salt))).toBe(false);
      expect(readdirSync(dir).filter((n) => n.endsWith('.salt'))).toEqual([]);
      a.close();
      b.close();
      c.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
