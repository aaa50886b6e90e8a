import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ErrorCode, isGallraError } from '../../src/errors.js';
import { FileKeyring, type FileKeyringOptions } from '../../src/keyring/index.js';
import { type Duration, parseDuration } from '../../src/time/duration.js';
import { compileForChildren, PROJECT_ROOT, removeCompiled } from '../helpers/compile.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 22, 12); // Sunday 2026-11-22 12:00Z

let root: string;
let dir: string;
let clock: { t: number };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gallra-keyring-'));
  dir = join(root, 'salts');
  clock = { t: T0 };
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function duration(text: string): Duration {
  const d = parseDuration(text);
  if (d === undefined) throw new Error(`bad test duration ${text}`);
  return d;
}

function keyring(over: Partial<FileKeyringOptions> = {}): FileKeyring {
  return new FileKeyring({ dir, period: 'P1D', grace: duration('PT1H'), now: () => clock.t, ...over });
}

function bytesOf(a: Uint8Array): number[] {
  return Array.from(a);
}

function isAllZero(a: Uint8Array): boolean {
  return a.every((b) => b === 0);
}

function saltFiles(): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.salt')).sort() : [];
}

function catchError(fn: () => unknown): Error & { code?: ErrorCode } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: ErrorCode };
  }
  throw new Error('expected an error, none was thrown');
}

function expectGallraError(fn: () => unknown, code: ErrorCode): Error {
  const err = catchError(fn);
  expect(isGallraError(err), String(err)).toBe(true);
  expect(err.code).toBe(code);
  return err;
}

/** Writes a salt file by hand, as an older config or another process would have. */
function plantSalt(name: string, content: Uint8Array = new Uint8Array(32).fill(7), mode = 0o600): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = join(dir, name);
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  return path;
}

describe('epochs and salts', () => {
  it('refuses a grace that is not a Duration (every close time would be NaN, and no salt fast)', () => {
    expect(() => keyring({ grace: { ms: HOUR } as unknown as Duration })).toThrow(/grace must be a Duration/);
  });

  it('returns the same salt object and bytes for every event of one epoch', () => {
    const kr = keyring();
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

  it('gives different epochs different salts', () => {
    clock.t = Date.UTC(2026, 10, 22, 0, 30); // yesterday is still in its grace hour, so both persist
    const kr = keyring();
    const today = kr.saltFor(Date.UTC(2026, 10, 22, 0, 10));
    const yesterday = kr.saltFor(Date.UTC(2026, 10, 21, 23, 59));
    expect(yesterday).not.toBe(today);
    expect(bytesOf(yesterday.salt)).not.toEqual(bytesOf(today.salt));
    expect(saltFiles()).toEqual(['P1D-20261121T000000Z.salt', 'P1D-20261122T000000Z.salt']);
  });

  it('persists exactly the 32 salt bytes, so a second keyring on the same directory returns the same salt', () => {
    const first = keyring().saltFor(T0);
    const onDisk = readFileSync(join(dir, 'P1D-20261122T000000Z.salt'));
    expect(onDisk.length).toBe(32);
    expect(bytesOf(onDisk)).toEqual(bytesOf(first.salt));
    const second = keyring().saltFor(T0 + HOUR);
    expect(bytesOf(second.salt)).toEqual(bytesOf(first.salt));
  });

  it.each([
    { period: 'P1D', event: Date.UTC(2026, 10, 22, 15, 4, 5), start: Date.UTC(2026, 10, 22), end: Date.UTC(2026, 10, 23), file: 'P1D-20261122T000000Z.salt' },
    { period: 'PT1H', event: Date.UTC(2026, 10, 22, 15, 4, 5), start: Date.UTC(2026, 10, 22, 15), end: Date.UTC(2026, 10, 22, 16), file: 'PT1H-20261122T150000Z.salt' },
    // 2026-11-25 is a Wednesday; its ISO week starts Monday 2026-11-23.
    { period: 'P7D', event: Date.UTC(2026, 10, 25, 15), start: Date.UTC(2026, 10, 23), end: Date.UTC(2026, 10, 30), file: 'P7D-20261123T000000Z.salt' },
    { period: 'P1M', event: Date.UTC(2026, 1, 15, 15), start: Date.UTC(2026, 1, 1), end: Date.UTC(2026, 2, 1), file: 'P1M-20260201T000000Z.salt' },
  ] as const)('aligns $period epochs to UTC boundaries and names the file $file', ({ period, event, start, end, file }) => {
    clock.t = event;
    const s = keyring({ period }).saltFor(event);
    expect(s.period).toBe(period);
    expect(new Date(s.start).toISOString()).toBe(new Date(start).toISOString());
    expect(new Date(s.end).toISOString()).toBe(new Date(end).toISOString());
    expect(s.closesAt).toBe(end + HOUR);
    expect(saltFiles()).toEqual([file]);
  });
});

describe('permissions and corruption', () => {
  it('creates the directory with mode 0700 and salt files with mode 0600 even when the umask would strip owner bits', () => {
    let old: number | undefined;
    try {
      old = process.umask(0o277);
    } catch {
      // umask cannot be changed in a worker thread; the modes are still checked below
    }
    try {
      keyring().saltFor(T0);
    } finally {
      if (old !== undefined) process.umask(old);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'P1D-20261122T000000Z.salt')).mode & 0o777).toBe(0o600);
  });

  it('rejects a salt directory that group or others can access with GALLRA_KEYRING_PERMISSIONS naming the directory, its mode and the chmod 700 fix', () => {
    mkdirSync(dir);
    chmodSync(dir, 0o750);
    const err = expectGallraError(() => keyring().saltFor(T0), 'GALLRA_KEYRING_PERMISSIONS');
    expect(err.message).toContain(dir);
    expect(err.message).toContain('0750');
    expect(err.message).toContain(`chmod 700 ${dir}`);
    expect(saltFiles()).toEqual([]);
    expectGallraError(() => keyring().rotate(), 'GALLRA_KEYRING_PERMISSIONS');
  });

  it('rejects a salt file whose mode is not 0600 with GALLRA_KEYRING_PERMISSIONS naming the file and the chmod 600 fix', () => {
    const path = plantSalt('P1D-20261122T000000Z.salt', new Uint8Array(32).fill(1), 0o640);
    const err = expectGallraError(() => keyring().saltFor(T0), 'GALLRA_KEYRING_PERMISSIONS');
    expect(err.message).toContain(path);
    expect(err.message).toContain('0640');
    expect(err.message).toContain(`chmod 600 ${path}`);
  });

  it('rejects a salt file that is not exactly 32 bytes with GALLRA_KEYRING_CORRUPT telling how to get rid of it', () => {
    const path = plantSalt('P1D-20261122T000000Z.salt', new Uint8Array(16).fill(1));
    const err = expectGallraError(() => keyring().saltFor(T0), 'GALLRA_KEYRING_CORRUPT');
    expect(err.message).toContain(path);
    expect(err.message).toContain('gallra salts destroy --all');
  });

  it('reports a salt directory that cannot be created as GALLRA_KEYRING_IO with the cause', () => {
    writeFileSync(dir, 'not a directory');
    const err = expectGallraError(() => keyring().saltFor(T0), 'GALLRA_KEYRING_IO');
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
    const n = 8;
    const child = join(PROJECT_ROOT, 'test', 'keyring', 'race-child.mjs');
    const children: ChildProcess[] = [];
    const outputs: string[] = Array.from({ length: n }, () => '');
    let ready = 0;
    const exits: Promise<number | null>[] = [];
    await new Promise<void>((resolveAll, reject) => {
      for (let i = 0; i < n; i++) {
        const cp = spawn(process.execPath, [child, distDir, dir, String(T0)], { stdio: ['pipe', 'pipe', 'pipe'] });
        children.push(cp);
        let stderr = '';
        cp.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
        exits.push(
          new Promise((res) =>
            cp.on('exit', (code) => {
              if (code !== 0) reject(new Error(`child ${i} exited ${code}: ${stderr}`));
              res(code);
            }),
          ),
        );
        cp.stdout?.on('data', (d: Buffer) => {
          const before = outputs[i] ?? '';
          outputs[i] = before + d.toString();
          if (!before.includes('ready\n') && (outputs[i] ?? '').includes('ready\n') && ++ready === n) {
            // Every child has loaded the code: release them all at once.
            for (const c of children) c.stdin?.write('go\n');
            resolveAll();
          }
        });
      }
    });
    await Promise.all(exits);
    const fingerprints = outputs.map((o) => /fingerprint ([0-9a-f]{64})/.exec(o)?.[1]);
    expect(fingerprints.every((f) => f !== undefined)).toBe(true);
    expect(new Set(fingerprints).size).toBe(1);
    expect(readdirSync(dir)).toEqual(['P1D-20261122T000000Z.salt']);
    const onDisk = readFileSync(join(dir, 'P1D-20261122T000000Z.salt'));
    expect(createHash('sha256').update(onDisk).digest('hex')).toBe(fingerprints[0]);
  }, 60_000);
});

describe('closed epochs', () => {
  it('destroyClosed overwrites a closed epoch salt file in place before unlinking it', () => {
    const kr = keyring();
    const original = bytesOf(kr.saltFor(T0).salt);
    const path = join(dir, 'P1D-20261122T000000Z.salt');
    const witness = join(root, 'witness'); // a second name for the same inode sees in-place writes
    linkSync(path, witness);
    clock.t = Date.UTC(2026, 10, 23, 1); // end 23rd 00:00 + grace PT1H
    const destroyed = kr.destroyClosed();
    expect(destroyed.map((d) => d.path)).toEqual([path]);
    expect(existsSync(path)).toBe(false);
    const after = readFileSync(witness);
    expect(after.length).toBe(32);
    expect(bytesOf(after)).not.toEqual(original);
  });

  it('keeps a salt through its grace period and destroys it the moment end + grace is reached', () => {
    const kr = keyring();
    kr.saltFor(T0);
    clock.t = Date.UTC(2026, 10, 23, 1) - 1;
    expect(kr.destroyClosed()).toEqual([]);
    expect(kr.list().map((f) => f.state)).toEqual(['open']);
    expect(saltFiles()).toEqual(['P1D-20261122T000000Z.salt']);
    clock.t += 1;
    expect(kr.list().map((f) => f.state)).toEqual(['closed']);
    expect(kr.destroyClosed()).toHaveLength(1);
    expect(saltFiles()).toEqual([]);
  });

  it('gives events of a closed epoch an ephemeral salt that is stable within the process, differs from the destroyed one and is never written', () => {
    const kr = keyring();
    const original = bytesOf(kr.saltFor(T0).salt);
    clock.t = Date.UTC(2026, 10, 24, 12);
    kr.destroyClosed();
    const e1 = kr.saltFor(T0);
    kr.saltFor(clock.t); // move the fast path elsewhere
    const e2 = kr.saltFor(T0 + 3 * HOUR);
    expect(e1.ephemeral).toBe(true);
    expect(e2).toBe(e1);
    expect(isAllZero(e1.salt)).toBe(false);
    expect(bytesOf(e1.salt)).not.toEqual(original);
    expect(saltFiles()).toEqual(['P1D-20261124T000000Z.salt']); // only the current epoch's
    // Another process (keyring) gets its own ephemeral salt: linkable to nothing else.
    expect(bytesOf(keyring().saltFor(T0).salt)).not.toEqual(bytesOf(e1.salt));
  });

  it('never reads a leftover file of a closed epoch and destroys it instead', () => {
    const path = plantSalt('P1D-20261122T000000Z.salt', new Uint8Array(32).fill(9));
    const witness = join(root, 'witness');
    linkSync(path, witness);
    clock.t = Date.UTC(2026, 10, 23, 1);
    const s = keyring().saltFor(T0);
    expect(s.ephemeral).toBe(true);
    expect(bytesOf(s.salt)).not.toEqual(bytesOf(new Uint8Array(32).fill(9)));
    expect(existsSync(path)).toBe(false);
    expect(bytesOf(readFileSync(witness))).not.toEqual(bytesOf(new Uint8Array(32).fill(9)));
  });

  it('zero-fills the in-memory salt of an epoch that closes while the keyring is in use and destroys its file', () => {
    const kr = keyring();
    const old = kr.saltFor(T0);
    const oldBytes = old.salt; // the very array a pseudonymiser would hold
    expect(isAllZero(oldBytes)).toBe(false);
    expect(old.wiped).toBe(false);
    clock.t = Date.UTC(2026, 10, 23, 1);
    const current = kr.saltFor(clock.t);
    expect(isAllZero(oldBytes)).toBe(true);
    expect(old.wiped).toBe(true);
    expect(current.wiped).toBe(false);
    expect(saltFiles()).toEqual(['P1D-20261123T000000Z.salt']);
  });

  it('wipes a closed epoch salt even while the per-line fast path keeps serving the current epoch', () => {
    clock.t = Date.UTC(2026, 10, 23, 0, 30); // inside yesterday's grace hour
    const kr = keyring();
    const late = kr.saltFor(Date.UTC(2026, 10, 22, 23, 59)); // a late event of yesterday
    const current = kr.saltFor(clock.t);
    expect(kr.saltFor(clock.t + 1)).toBe(current);
    clock.t = Date.UTC(2026, 10, 23, 1, 0, 0, 1);
    expect(kr.saltFor(clock.t)).toBe(current); // same epoch as last call: the fast-path case
    expect(late.wiped).toBe(true);
    expect(isAllZero(late.salt)).toBe(true);
    expect(saltFiles()).toEqual(['P1D-20261123T000000Z.salt']);
  });

  it('holds at most 1000 ephemeral salts, wiping the oldest-created one when more closed epochs are seen', () => {
    const kr = keyring({ period: 'PT1H' });
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
    expect(saltFiles()).toEqual([]);
  });

  it('gives an event beyond year 9999 an ephemeral salt, since its file could never be listed or destroyed, and rejects a non-time', () => {
    const kr = keyring();
    const far = kr.saltFor(Date.UTC(10_000, 0, 2));
    expect(far.ephemeral).toBe(true);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    expect(() => kr.saltFor(Number.NaN)).toThrow(RangeError);
  });
});

describe('salts never show up in output', () => {
  it('JSON.stringify, util.inspect, console-style formatting and String() of an EpochSalt do not contain the salt bytes', () => {
    const kr = keyring();
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

describe('housekeeping', () => {
  it('rotate creates the current epoch salt once and destroys closed salts, judging each file by its own period', () => {
    const kr = keyring();
    kr.saltFor(T0);
    plantSalt('PT1H-20261124T100000Z.salt'); // an hour that closed at 12:00 with PT1H grace
    plantSalt('P1M-20261101T000000Z.salt'); // November is still open under its own period
    clock.t = Date.UTC(2026, 10, 24, 12);
    const first = kr.rotate();
    expect(first.created?.path).toBe(join(dir, 'P1D-20261124T000000Z.salt'));
    expect(first.created?.state).toBe('open');
    expect(first.created?.mode).toBe(0o600);
    expect(first.destroyed.map((d) => `${d.period} ${d.state}`).sort()).toEqual(['P1D closed', 'PT1H closed']);
    expect(saltFiles()).toEqual(['P1D-20261124T000000Z.salt', 'P1M-20261101T000000Z.salt']);
    const second = kr.rotate();
    expect(second).toEqual({ created: undefined, destroyed: [] });
    // Another process finds the salt already there: nothing created.
    expect(keyring().rotate().created).toBeUndefined();
  });

  it('rotate removes temp files a crash left behind once they are older than a minute and keeps fresh ones', () => {
    const kr = keyring();
    kr.saltFor(T0);
    const stale = join(dir, '.P1D-20261122T000000Z.salt.4242.00ff00ff00ff00ff.tmp');
    const fresh = join(dir, '.P1D-20261122T000000Z.salt.4243.11ee11ee11ee11ee.tmp');
    writeFileSync(stale, new Uint8Array(32), { mode: 0o600 });
    writeFileSync(fresh, new Uint8Array(32), { mode: 0o600 });
    const twoMinutesAgo = (Date.now() - 120_000) / 1000;
    utimesSync(stale, twoMinutesAgo, twoMinutesAgo);
    kr.rotate();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(saltFiles()).toEqual(['P1D-20261122T000000Z.salt']);
  });

  it('destroyAll removes every salt file, open or closed, and every temp file, and wipes every in-memory salt', () => {
    const kr = keyring();
    const today = kr.saltFor(T0);
    const tomorrow = kr.saltFor(T0 + DAY);
    const closed = kr.saltFor(T0 - 10 * DAY);
    plantSalt('PT1H-20261101T000000Z.salt');
    writeFileSync(join(dir, '.P1D-20261122T000000Z.salt.4242.00ff00ff00ff00ff.tmp'), new Uint8Array(32), { mode: 0o600 });
    const destroyed = kr.destroyAll();
    expect(destroyed).toHaveLength(3);
    expect(readdirSync(dir)).toEqual([]);
    for (const s of [today, tomorrow, closed]) {
      expect(s.wiped).toBe(true);
      expect(isAllZero(s.salt)).toBe(true);
    }
    const after = kr.saltFor(T0);
    expect(after).not.toBe(today);
    expect(isAllZero(after.salt)).toBe(false);
  });

  it('list describes salt files by period, bounds, state and mode without their bytes, and ignores other names', () => {
    const kr = keyring();
    clock.t = Date.UTC(2026, 10, 23, 0, 30);
    kr.saltFor(Date.UTC(2026, 10, 22, 23));
    kr.saltFor(clock.t);
    writeFileSync(join(dir, 'README.txt'), 'hello');
    plantSalt('P1D-garbage.salt');
    plantSalt('P2D-20261122T000000Z.salt');
    plantSalt('P1D-20261122T010000Z.salt'); // not aligned to a day
    clock.t = Date.UTC(2026, 10, 23, 2);
    const list = kr.list();
    expect(list).toEqual([
      { period: 'P1D', start: Date.UTC(2026, 10, 22), end: Date.UTC(2026, 10, 23), closesAt: Date.UTC(2026, 10, 23, 1), state: 'closed', path: join(dir, 'P1D-20261122T000000Z.salt'), mode: 0o600 },
      { period: 'P1D', start: Date.UTC(2026, 10, 23), end: Date.UTC(2026, 10, 24), closesAt: Date.UTC(2026, 10, 24, 1), state: 'open', path: join(dir, 'P1D-20261123T000000Z.salt'), mode: 0o600 },
    ]);
    expect(keyring({ dir: join(root, 'missing') }).list()).toEqual([]);
  });

  it('close wipes every in-memory salt, persisted or ephemeral, and later calls reload the persisted salt', () => {
    const kr = keyring();
    const s = kr.saltFor(T0);
    const kept = bytesOf(s.salt);
    const e = kr.saltFor(T0 - 10 * DAY);
    kr.close();
    expect(s.wiped && e.wiped).toBe(true);
    expect(isAllZero(s.salt) && isAllZero(e.salt)).toBe(true);
    expect(bytesOf(kr.saltFor(T0).salt)).toEqual(kept);
  });
});

describe('FileKeyring ephemeral secret', () => {
  it('gives a closed epoch the same throw-away salt in every keyring that shares an ephemeral secret, and a different one otherwise, never writing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gallra-eph-'));
    try {
      const now = () => Date.UTC(2030, 5, 15, 12);
      const secret = new Uint8Array(32).fill(7);
      const a = new FileKeyring({ dir, period: 'P1D', grace: parseDuration('PT1H')!, now, ephemeralSecret: secret });
      const b = new FileKeyring({ dir, period: 'P1D', grace: parseDuration('PT1H')!, now, ephemeralSecret: secret });
      const c = new FileKeyring({ dir, period: 'P1D', grace: parseDuration('PT1H')!, now });
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
