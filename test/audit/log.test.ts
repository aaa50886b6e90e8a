/**
 * The audit log: records chained by hash, appended durably by any number of
 * writers, and a verify that names the first record that was changed,
 * removed, inserted or reordered.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, GENESIS, readAuditLog, sealRecord, verifyAuditLog } from '../../src/audit/log.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { isGallraError } from '../../src/errors.js';
import { TempDirs } from '../helpers/cli.js';

const tmp = new TempDirs();
afterEach(() => tmp.cleanup());

const T0 = Date.UTC(2031, 2, 14, 12);

async function logWith(n: number): Promise<{ file: string; lines: () => string[]; write: (lines: string[]) => void }> {
  const file = path.join(tmp.make('audit'), 'audit.jsonl');
  const clock = { t: T0 };
  const log = new AuditLog(file, { now: () => clock.t });
  for (let i = 0; i < n; i++) {
    clock.t += 60_000;
    await log.append({ action: 'sweep', by: 'gallra run', store: 'out', kind: 'day-files', clause: 'retention.keep: P6M', removed: { count: i, files: [`access-2030-09-${String(10 + i).padStart(2, '0')}.log`] } });
  }
  return {
    file,
    lines: () => fs.readFileSync(file, 'utf8').split('\n').slice(0, -1),
    write: (lines) => fs.writeFileSync(file, lines.map((l) => `${l}\n`).join('')),
  };
}

describe('AuditLog', () => {
  it('appends records numbered from 1, each chained to the one before by hash, stamped with the clock', async () => {
    const { file, lines } = await logWith(3);
    const records = lines().map((l) => JSON.parse(l) as AuditRecord);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]!.prev).toBe(GENESIS);
    expect(records[1]!.prev).toBe(records[0]!.hash);
    expect(records[2]!.prev).toBe(records[1]!.hash);
    expect(records[0]!.time).toBe(new Date(T0 + 60_000).toISOString());
    expect(records[2]).toMatchObject({ action: 'sweep', by: 'gallra run', store: 'out', removed: { count: 2 } });
    const v = await verifyAuditLog(file);
    expect(v).toMatchObject({ ok: true, records: 3, head: { seq: 3, hash: records[2]!.hash }, firstBad: undefined });
  });

  it('treats a log that does not exist yet as empty and intact', async () => {
    expect(await verifyAuditLog(path.join(tmp.make('audit'), 'none.jsonl'))).toMatchObject({ ok: true, records: 0, head: undefined });
  });

  it('finds a record whose text was changed, naming its line and seq', async () => {
    const { file, lines, write } = await logWith(5);
    const l = lines();
    l[2] = l[2]!.replace('"count":2', '"count":0');
    write(l);
    const v = await verifyAuditLog(file);
    expect(v.ok).toBe(false);
    expect(v.firstBad).toMatchObject({ line: 3, seq: 3 });
    expect(v.firstBad!.reason).toMatch(/changed/);
    expect(v.head?.seq).toBe(2);
  });

  it('finds a record rewritten with a fresh hash: the next one no longer follows it', async () => {
    const { file, lines, write } = await logWith(5);
    const l = lines();
    const r = JSON.parse(l[2]!) as AuditRecord;
    const { hash: _h, prev, ...body } = r;
    l[2] = sealRecord({ ...body, removed: { count: 0 } }, prev);
    write(l);
    const v = await verifyAuditLog(file);
    expect(v.firstBad).toMatchObject({ line: 4, seq: 4 });
    expect(v.firstBad!.reason).toMatch(/does not follow/);
  });

  it('finds a removed record, an inserted one and two swapped ones', async () => {
    const { file, lines, write } = await logWith(5);
    const l = lines();
    write([l[0]!, l[2]!, l[3]!, l[4]!]);
    expect((await verifyAuditLog(file)).firstBad).toMatchObject({ line: 2, seq: 3, reason: expect.stringMatching(/records 2–2 before it are missing/) });
    write([l[0]!, l[1]!, l[1]!, l[2]!]);
    expect((await verifyAuditLog(file)).firstBad).toMatchObject({ line: 3, seq: 2, reason: expect.stringMatching(/out of order/) });
    write([l[0]!, l[2]!, l[1]!, l[3]!]);
    expect((await verifyAuditLog(file)).firstBad).toMatchObject({ line: 2, seq: 3 });
    write([l[0]!, 'not json', l[1]!]);
    expect((await verifyAuditLog(file)).firstBad).toMatchObject({ line: 2, seq: undefined });
  });

  it('finds the first record removed from the start of the log', async () => {
    const { file, lines, write } = await logWith(3);
    write(lines().slice(1));
    expect((await verifyAuditLog(file)).firstBad).toMatchObject({ line: 1, seq: 2 });
  });

  it('cuts off an append a crash left without its newline, and chains the next record to the last complete one', async () => {
    const { file, lines } = await logWith(2);
    fs.appendFileSync(file, '{"seq":3,"time":"2031-03-14T12:03:00.000Z","action":"sw');
    expect((await verifyAuditLog(file)).firstBad).toMatchObject({ line: 3, reason: expect.stringMatching(/incomplete/) });
    await new AuditLog(file).append({ action: 'sweep', by: 'gallra retention' });
    expect(lines()).toHaveLength(3);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 3 });
  });

  it('refuses to chain a record to a damaged last record (GALLRA_AUDIT_BROKEN), and leaves the log as it is', async () => {
    const { file, lines, write } = await logWith(2);
    const l = lines();
    l[1] = l[1]!.replace('gallra run', 'gallra xxx');
    write(l);
    const before = fs.readFileSync(file, 'utf8');
    let err: unknown;
    await new AuditLog(file).append({ action: 'sweep', by: 'gallra run' }).catch((e: unknown) => (err = e));
    expect(isGallraError(err) && err.code).toBe('GALLRA_AUDIT_BROKEN');
    expect((err as Error).message).toMatch(/audit verify/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('keeps one chain when several writers append at once (the lock file orders them)', async () => {
    const file = path.join(tmp.make('audit'), 'audit.jsonl');
    const writers = [new AuditLog(file), new AuditLog(file), new AuditLog(file)];
    await Promise.all(writers.flatMap((w, i) => Array.from({ length: 8 }, (_, k) => w.append({ action: 'sweep', by: `writer ${i}`, removed: { count: k } }))));
    const v = await verifyAuditLog(file);
    expect(v).toMatchObject({ ok: true, records: 24 });
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const file = path.join(tmp.make('audit'), 'audit.jsonl');
    fs.writeFileSync(`${file}.lock`, '2147483646'); // no such process
    await new AuditLog(file).append({ action: 'sweep', by: 'gallra retention' });
    expect((await readAuditLog(file)).records).toHaveLength(1);
  });

  it('creates the log 0640 in a directory it creates', async () => {
    const file = path.join(tmp.make('audit'), 'state', 'deeper', 'audit.jsonl');
    await new AuditLog(file).append({ action: 'sweep', by: 'gallra retention' });
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
  });
});
