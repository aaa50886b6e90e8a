/**
 * The sweeper over the stores a policy configures, on an injected clock: a
 * file store with straddling day files (read back with the policy's own
 * formats), checkpoints, salts destroyed on schedule — each sweep recorded
 * in the audit trail without any identifier — and the check that refuses a
 * store keeping data longer than the window.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, readAuditLog } from '../../src/audit/log.js';
import { components } from '../../src/components.js';
import { isGallraError } from '../../src/errors.js';
import { FileKeyring } from '../../src/keyring/file.js';
import { loadPolicy, type LoadedPolicy } from '../../src/policy/load.js';
import type { Retainable } from '../../src/retention/retainable.js';
import { retentionCutoff } from '../../src/retention/window.js';
import { refuseLongerRetention, STATUS_TOLERANCE_MS, Sweeper } from '../../src/runtime/sweeper.js';
import { mustParseDuration } from '../../src/time/duration.js';
import { clfTime, leaks, TempDirs } from '../helpers/cli.js';

const tmp = new TempDirs();
const keyrings: FileKeyring[] = [];
afterEach(() => {
  for (const k of keyrings.splice(0)) k.close();
  tmp.cleanup();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 31 Aug 2028 12:00Z: the six-month window starts 29 Feb 2028 12:00Z (a leap day). */
const NOW = Date.UTC(2028, 7, 31, 12);
const CUTOFF = retentionCutoff(NOW, { keep: mustParseDuration('P6M') });
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** A combined line as gallra stores it: truncated address, pseudonymised user. */
function stored(ms: number, user = 'u_q9VxYw3kTb2mLr8sPc4nZa', path = '/'): string {
  return `203.0.113.0 - ${user} [${clfTime(ms)}] "GET ${path} HTTP/1.1" 200 512 "-" "Firefox/128"`;
}

interface Fixture {
  readonly dir: string;
  readonly out: string;
  readonly state: string;
  readonly loaded: LoadedPolicy;
  readonly clock: { t: number };
  readonly audit: AuditLog;
  sweeper(withSalts?: boolean): Sweeper;
  write(name: string, lines: readonly string[], gz?: boolean): void;
  lines(name: string): string[];
}

function fixture(): Fixture {
  const dir = tmp.make('sweeper');
  const state = path.join(dir, 'state');
  const file = path.join(dir, 'policy.yaml');
  fs.writeFileSync(file, 'input:\n  format: combined\nsources:\n  - type: stdin\nsinks:\n  - type: file\n    name: out\n    dir: out\n');
  const env = { GALLRA_STATE_DIR: state };
  const loaded = loadPolicy(file, env);
  const out = path.join(dir, 'out');
  fs.mkdirSync(out, { recursive: true });
  const clock = { t: NOW };
  const audit = new AuditLog(path.join(state, 'audit.jsonl'), { now: () => clock.t });
  return {
    dir,
    out,
    state,
    loaded,
    clock,
    audit,
    sweeper(withSalts = false) {
      let keyring: FileKeyring | undefined;
      if (withSalts) {
        keyring = new FileKeyring({ dir: loaded.saltDir, period: 'P1D', grace: mustParseDuration('PT1H'), future: mustParseDuration('PT1H'), now: () => clock.t });
        keyrings.push(keyring);
      }
      return Sweeper.forPolicy(loaded, components, () => clock.t, { audit, by: 'gallra retention', env, keyring });
    },
    write(name, lines, gz = false) {
      const text = lines.map((l) => `${l}\n`).join('');
      fs.writeFileSync(path.join(out, name), gz ? gzipSync(text) : text);
    },
    lines(name) {
      const p = path.join(out, name);
      return fs.existsSync(p) ? fs.readFileSync(p, 'utf8').split('\n').slice(0, -1) : ['<missing>'];
    },
  };
}

describe('Sweeper over a file store', () => {
  it('deletes whole days before the window and rewrites the straddling day by the time each stored line holds: exactly at and just inside stay, just outside goes', async () => {
    const f = fixture();
    f.write('access-2028-02-28.log', [stored(Date.UTC(2028, 1, 28, 23, 59, 59))]);
    f.write('access-2028-02-29.log', [stored(CUTOFF - 1000, 'u_outside00000000000000'), stored(CUTOFF), stored(CUTOFF + 1000), 'a line no format reads', stored(CUTOFF + 11 * HOUR)]);
    f.write('access-2028-02-29.log.gz', [stored(Date.UTC(2028, 1, 29, 3))], true);
    f.write('access-2028-03-01.log', [stored(Date.UTC(2028, 2, 1, 0, 0, 0))]);
    const results = await f.sweeper().sweep(false);
    const out = results.find((r) => r.store === 'out')!;
    expect(out).toMatchObject({ kind: 'day-files', clause: 'retention.keep: P6M', cutoff: CUTOFF });
    expect(out.removed).toEqual([
      { what: 'file', name: 'access-2028-02-28.log' },
      { what: 'lines', name: 'access-2028-02-29.log', count: 2 },
      { what: 'file', name: 'access-2028-02-29.log.gz' },
    ]);
    expect(f.lines('access-2028-02-29.log')).toEqual([stored(CUTOFF), stored(CUTOFF + 1000), stored(CUTOFF + 11 * HOUR)]);
    expect(f.lines('access-2028-03-01.log')).toHaveLength(1);
    expect(f.lines('access-2028-02-28.log')).toEqual(['<missing>']);
  });

  it('records each sweep in the audit trail — store, clause, window start, files and line counts — and nothing that identifies anyone', async () => {
    const f = fixture();
    const user = 'u_q9VxYw3kTb2mLr8sPc4nZa';
    f.write('access-2028-02-28.log', [stored(Date.UTC(2028, 1, 28, 5), user, '/account/alice.lindqvist')]);
    f.write('access-2028-02-29.log', [stored(CUTOFF - 1000, user, '/x'), stored(CUTOFF + 1000, user)]);
    await f.sweeper().sweep(false);
    const { verification, records } = await readAuditLog(f.audit.path);
    expect(verification.ok).toBe(true);
    const rec = records.find((r) => r.store === 'out')!;
    expect(rec).toMatchObject({
      action: 'sweep',
      by: 'gallra retention',
      kind: 'day-files',
      clause: 'retention.keep: P6M',
      cutoff: new Date(CUTOFF).toISOString(),
      removed: { count: 2, files: ['access-2028-02-28.log'], rewritten: ['access-2028-02-29.log'], lines: 1 },
    });
    expect(records.map((r) => r.store)).toContain('checkpoints');
    const text = fs.readFileSync(f.audit.path, 'utf8');
    expect(leaks(text, [user, '203.0.113.0', 'alice.lindqvist', '/account', 'Firefox', UA], true)).toEqual([]);
  });

  it('records a quiet sweep at most hourly, but every sweep that removed something', async () => {
    const f = fixture();
    const sweeper = f.sweeper();
    await sweeper.sweep(false);
    f.clock.t += 60_000;
    await sweeper.sweep(false);
    f.write('access-2020-01-01.log', [stored(Date.UTC(2020, 0, 1))]);
    f.clock.t += 60_000;
    await sweeper.sweep(false);
    f.clock.t += HOUR;
    await sweeper.sweep(false);
    const outRecords = (await readAuditLog(f.audit.path)).records.filter((r) => r.store === 'out');
    expect(outRecords.map((r) => r.removed?.count)).toEqual([0, 1, 0]);
  });

  it('records nothing on a dry run', async () => {
    const f = fixture();
    f.write('access-2020-01-01.log', [stored(Date.UTC(2020, 0, 1))]);
    const results = await f.sweeper().sweep(true);
    expect(results.find((r) => r.store === 'out')!.removed).toEqual([{ what: 'file', name: 'access-2020-01-01.log' }]);
    expect(fs.existsSync(f.audit.path)).toBe(false);
    expect(f.lines('access-2020-01-01.log')).toHaveLength(1);
  });

  it('sweeps the other stores when one fails, and reports and records the failure by its code', async () => {
    const f = fixture();
    const failing: Retainable = { enforce: () => Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })) };
    const base = f.sweeper();
    const sweeper = new Sweeper([{ name: 'broken', kind: 'test', clause: 'retention.keep: P6M', keep: undefined, retainable: failing }, ...base.stores], () => f.clock.t, { audit: f.audit, by: 'gallra retention' });
    f.write('access-2020-01-01.log', [stored(Date.UTC(2020, 0, 1))]);
    const results = await sweeper.sweep(false);
    expect(results[0]!.error).toBeDefined();
    expect(results.find((r) => r.store === 'out')!.removed).toHaveLength(1);
    const rec = (await readAuditLog(f.audit.path)).records.find((r) => r.store === 'broken')!;
    expect(rec.error).toBe('EIO');
  });
});

describe('Sweeper over checkpoints', () => {
  it('deletes checkpoints not written for longer than the window, and leftovers of their writes, and keeps the rest', async () => {
    const f = fixture();
    const dir = path.join(f.state, 'checkpoints');
    fs.mkdirSync(dir, { recursive: true });
    const at = (name: string, ms: number): void => {
      fs.writeFileSync(path.join(dir, name), '{}\n');
      fs.utimesSync(path.join(dir, name), ms / 1000, ms / 1000);
    };
    at('old-source.json', CUTOFF - 1000);
    at('old-source.json.tmp-4242', CUTOFF - DAY);
    at('live.json', CUTOFF + 1000);
    at('.fingerprint.key', CUTOFF - 100 * DAY);
    const r = (await f.sweeper().sweep(false)).find((x) => x.store === 'checkpoints')!;
    expect(r.removed.map((x) => x.name).sort()).toEqual(['old-source.json', 'old-source.json.tmp-4242']);
    expect(fs.readdirSync(dir).sort()).toEqual(['.fingerprint.key', 'live.json']);
  });
});

describe('Sweeper over the salts', () => {
  it('destroys the salts of closed epochs on schedule — an epoch closes at its end plus the grace — and records their epochs', async () => {
    const f = fixture();
    const day = Date.UTC(2028, 7, 30);
    f.clock.t = day + 10 * HOUR;
    const keyring = new FileKeyring({ dir: f.loaded.saltDir, period: 'P1D', grace: mustParseDuration('PT1H'), future: mustParseDuration('PT1H'), now: () => f.clock.t });
    keyrings.push(keyring);
    await keyring.prepare(f.clock.t); // the salt of 30 Aug
    f.clock.t = day + DAY + 10 * HOUR;
    await keyring.prepare(f.clock.t); // and of 31 Aug
    const salts = (): string[] => fs.readdirSync(f.loaded.saltDir).filter((n) => n.endsWith('.salt')).sort();
    expect(salts()).toEqual(['P1D-20280830T000000Z.salt', 'P1D-20280831T000000Z.salt']);
    // 31 Aug 00:59:59.999 + a day later: 30 Aug's epoch (ends 31 Aug 00:00) closes at 01:00.
    f.clock.t = day + DAY + HOUR - 1;
    let r = (await f.sweeper(true).sweep(false)).find((x) => x.store === 'salts')!;
    expect(r.removed).toEqual([]);
    f.clock.t = day + DAY + HOUR;
    r = (await f.sweeper(true).sweep(false)).find((x) => x.store === 'salts')!;
    expect(r.removed).toEqual([{ what: 'salt', name: 'P1D 2028-08-30T00:00:00Z' }]);
    expect(salts()).toEqual(['P1D-20280831T000000Z.salt']);
    const rec = (await readAuditLog(f.audit.path)).records.find((x) => x.store === 'salts' && x.removed?.count === 1)!;
    expect(rec).toMatchObject({ kind: 'salts', clause: 'salts.epoch: P1D + salts.grace: PT1H', removed: { epochs: ['P1D 2028-08-30T00:00:00Z'] } });
  });
});

describe('Sweeper.holdings', () => {
  it('says what each store holds, and calls a store out of policy once it holds something past its window by more than two sweeps', async () => {
    const f = fixture();
    f.write('access-2028-02-29.log', [stored(CUTOFF + 1000)]);
    let h = (await f.sweeper().holdings()).find((x) => x.store === 'out')!;
    expect(h).toMatchObject({ oldest: CUTOFF + 1000, cutoff: CUTOFF, outOfPolicy: false });
    f.clock.t = NOW + 1000 + STATUS_TOLERANCE_MS; // outside for exactly the tolerance
    h = (await f.sweeper().holdings()).find((x) => x.store === 'out')!;
    expect(h.outOfPolicy).toBe(false);
    f.clock.t += 1;
    h = (await f.sweeper().holdings()).find((x) => x.store === 'out')!;
    expect(h.outOfPolicy).toBe(true);
  });

  it('calls the salts out of policy when a closed salt is still held two sweeps after its epoch closed', async () => {
    const f = fixture();
    f.clock.t = Date.UTC(2028, 7, 30, 10);
    const keyring = new FileKeyring({ dir: f.loaded.saltDir, period: 'P1D', grace: mustParseDuration('PT1H'), future: mustParseDuration('PT1H'), now: () => f.clock.t });
    keyrings.push(keyring);
    await keyring.prepare(f.clock.t);
    f.clock.t = Date.UTC(2028, 7, 31, 1) + STATUS_TOLERANCE_MS + 1;
    const h = (await f.sweeper(true).holdings()).find((x) => x.store === 'salts')!;
    expect(h).toMatchObject({ oldest: Date.UTC(2028, 7, 30), overdueSince: Date.UTC(2028, 7, 31, 1), outOfPolicy: true });
  });
});

describe('refuseLongerRetention', () => {
  const longTopic: Retainable = {
    enforce: async () => ({ removed: [] }),
    check: async () => [{ message: 'topic gallra-out keeps records for retention.ms 2592000000000 (30000 days), longer than P6M', fix: 'set retention.ms to at most 15552000000' }],
  };

  function withTopic(f: Fixture): Sweeper {
    return new Sweeper([{ name: 'kafka-out', kind: 'kafka-topic', clause: 'retention.keep: P6M', keep: mustParseDuration('P6M'), retainable: longTopic }], () => f.clock.t, { audit: f.audit, by: 'gallra run' });
  }

  it('refuses with GALLRA_CONFIG_RETENTION (exit 2) naming the store, the setting and the fix, and records the refusal', async () => {
    const f = fixture();
    let err: unknown;
    await refuseLongerRetention(withTopic(f), f.loaded, { allow: false, audit: f.audit, by: 'gallra run' }).catch((e: unknown) => (err = e));
    expect(isGallraError(err) && err.code).toBe('GALLRA_CONFIG_RETENTION');
    expect((err as { exitCode: number }).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/kafka-out: topic gallra-out keeps records .*\n +fix: set retention\.ms.*\n.*--allow-longer-retention/);
    expect((await readAuditLog(f.audit.path)).records).toEqual([expect.objectContaining({ action: 'start-refused', by: 'gallra run', reason: expect.stringContaining('kafka-out') })]);
  });

  it('goes on when allowed, and records that it was', async () => {
    const f = fixture();
    expect(await refuseLongerRetention(withTopic(f), f.loaded, { allow: true, audit: f.audit, by: 'gallra run' })).toHaveLength(1);
    expect((await readAuditLog(f.audit.path)).records).toEqual([expect.objectContaining({ action: 'longer-retention-allowed' })]);
  });

  it('does nothing for stores that keep nothing too long', async () => {
    const f = fixture();
    expect(await refuseLongerRetention(f.sweeper(), f.loaded, { allow: false, audit: f.audit, by: 'gallra run' })).toEqual([]);
    expect(fs.existsSync(f.audit.path)).toBe(false);
  });
});
