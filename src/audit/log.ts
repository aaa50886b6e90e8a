/**
 * The audit log: append-only JSON lines, hash-chained so that a record
 * edited, removed, inserted or reordered after it was written is found by
 * `gallra audit verify`.
 *
 *   record n = {"seq":n,"time":…,"action":…,…,"prev":hash(n−1)} + ,"hash":SHA-256(text before it)
 *
 * Each record's `hash` is the SHA-256 of its own text up to that field
 * (which includes `prev`, the hash of the record before it; 64 zeros for the
 * first), so changing any byte of a record breaks its own hash, and
 * rewriting a record with a fresh hash breaks the `prev` of the next one.
 * What the chain cannot show by itself is the loss of the newest records
 * (the log cut short): `verify` prints the last record's hash so it can be
 * noted elsewhere (a ticket, monitoring), and the next verify compared with it.
 *
 * Several processes append (`gallra run`'s sweeps, `gallra subject erase`, a
 * cron `gallra retention`): each append takes a lock file beside the log, so
 * every record chains to the one before it. An append a crash cut short
 * (no newline yet, never acknowledged) is cut off by the next append.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { GallraError } from '../errors.js';
import { errnoOf } from '../util/errno.js';
import { fsyncDir } from '../util/durable-fs.js';
import type { AuditEntry, AuditRecord } from './record.js';

/** `prev` of the first record. */
export const GENESIS = '0'.repeat(64);
const HASH_TAIL = /,"hash":"([0-9a-f]{64})"\}$/;
const FILE_MODE = 0o640;
const LOCK_WAIT_MS = 15_000;
const LOCK_POLL_MS = 20;
/** The tail read to find the last record; records are a few hundred bytes. */
const TAIL_BYTES = 1 << 16;

/** SHA-256, hex. */
function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The line of a record: its body (with `prev`) and the hash of that body.
 *
 * @example
 * sealRecord({ seq: 1, time, action: 'sweep', by: 'gallra run' }, GENESIS)
 */
export function sealRecord(body: Omit<AuditRecord, 'prev' | 'hash'>, prev: string): string {
  const text = JSON.stringify({ ...body, prev });
  return `${text.slice(0, -1)},"hash":"${sha256(text)}"}`;
}

/** Where and why a log first fails verification. */
export interface AuditBreak {
  /** 1-based line number in the file. */
  readonly line: number;
  /** The record's seq when it could be read. */
  readonly seq: number | undefined;
  readonly reason: string;
}

export interface AuditVerification {
  readonly ok: boolean;
  /** Records read (up to the first bad one when broken). */
  readonly records: number;
  /** The last good record's seq and hash: note it elsewhere to detect the log being cut short later. */
  readonly head: { readonly seq: number; readonly hash: string } | undefined;
  readonly firstBad: AuditBreak | undefined;
}

/**
 * Checks one line against the record before it; the reason it is not the
 * next record of the chain, or undefined when it is.
 */
function checkLine(line: string, prevSeq: number, prevHash: string): { reason: string | undefined; record: AuditRecord | undefined } {
  const m = HASH_TAIL.exec(line);
  if (m === null) return { reason: 'not a sealed record (no hash at its end)', record: undefined };
  let record: AuditRecord;
  try {
    record = JSON.parse(line) as AuditRecord;
  } catch {
    return { reason: 'not valid JSON', record: undefined };
  }
  if (sha256(`${line.slice(0, m.index)}}`) !== m[1]) return { reason: 'changed after it was written (its hash does not match its text)', record };
  if (record.seq !== prevSeq + 1) {
    return { reason: typeof record.seq === 'number' && record.seq > prevSeq + 1 ? `records ${prevSeq + 1}–${record.seq - 1} before it are missing` : `out of order (seq ${String(record.seq)} after ${prevSeq})`, record };
  }
  if (record.prev !== prevHash) return { reason: 'does not follow the record before it (that one was rewritten, or records were removed or inserted)', record };
  return { reason: undefined, record };
}

/**
 * Reads every record of a log in order, and whether the chain holds: the
 * first bad record is named by line and seq. A missing log is an empty,
 * intact one.
 *
 * @example
 * const { verification, records } = await readAuditLog('/var/lib/gallra/audit.jsonl');
 * if (!verification.ok) console.log(`line ${verification.firstBad!.line}: ${verification.firstBad!.reason}`);
 */
export async function readAuditLog(file: string): Promise<{ verification: AuditVerification; records: AuditRecord[] }> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return { verification: { ok: true, records: 0, head: undefined, firstBad: undefined }, records: [] };
    throw auditError('read', file, err);
  }
  const lines = text.split('\n');
  const torn = lines.pop() !== '';
  const records: AuditRecord[] = [];
  let prevSeq = 0;
  let prevHash = GENESIS;
  let head: { seq: number; hash: string } | undefined;
  let firstBad: AuditBreak | undefined;
  for (let i = 0; i < lines.length; i++) {
    const { reason, record } = checkLine(lines[i]!, prevSeq, prevHash);
    if (reason !== undefined) firstBad ??= { line: i + 1, seq: typeof record?.seq === 'number' ? record.seq : undefined, reason };
    else if (firstBad === undefined) head = { seq: record!.seq, hash: record!.hash };
    // Records after a break are still given to the reader (the report shows them, marked unverified).
    if (record === undefined || typeof record.seq !== 'number') continue;
    records.push(record);
    prevSeq = record.seq;
    prevHash = typeof record.hash === 'string' ? record.hash : prevHash;
  }
  if (torn) firstBad ??= { line: lines.length + 1, seq: undefined, reason: 'incomplete (no newline): an append was cut short' };
  return { verification: { ok: firstBad === undefined, records: firstBad === undefined ? lines.length : firstBad.line - 1, head, firstBad }, records };
}

/**
 * Checks a log's chain.
 *
 * @example
 * const v = await verifyAuditLog(file); process.exitCode = v.ok ? 0 : 1;
 */
export async function verifyAuditLog(file: string): Promise<AuditVerification> {
  return (await readAuditLog(file)).verification;
}

export interface AuditLogOptions {
  /** The clock records are stamped with (tests inject one). */
  readonly now?: () => number;
}

/**
 * Appends records to one audit log.
 *
 * @example
 * const audit = new AuditLog('/var/lib/gallra/audit.jsonl');
 * await audit.append({ action: 'sweep', by: 'gallra retention', store: 'out', clause: 'retention.keep: P6M', removed: { count: 0 } });
 */
export class AuditLog {
  readonly path: string;
  private readonly now: () => number;
  /** Appends of this process, one at a time (the lock file orders them against other processes). */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(file: string, options: AuditLogOptions = {}) {
    this.path = path.resolve(file);
    this.now = options.now ?? Date.now;
  }

  /** Appends one record (durably: fsynced before this resolves) and returns it as stored. */
  append(entry: AuditEntry): Promise<AuditRecord> {
    const run = this.chain.then(
      () => this.appendNow(entry),
      () => this.appendNow(entry),
    );
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async appendNow(entry: AuditEntry): Promise<AuditRecord> {
    const dir = path.dirname(this.path);
    try {
      await fsp.mkdir(dir, { recursive: true, mode: 0o750 });
    } catch (err) {
      throw auditError('create the directory of', this.path, err);
    }
    const unlock = await lock(`${this.path}.lock`);
    try {
      let fh: fsp.FileHandle;
      let created = false;
      try {
        fh = await fsp.open(this.path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND, FILE_MODE);
        created = (await fh.stat()).size === 0;
      } catch (err) {
        throw auditError('open', this.path, err);
      }
      try {
        const { seq, hash } = await this.tail(fh);
        const { action, by, ...rest } = entry;
        const body = { seq: seq + 1, time: new Date(this.now()).toISOString(), action, by, ...rest };
        const line = sealRecord(body, hash);
        try {
          await fh.write(`${line}\n`);
          await fh.sync();
        } catch (err) {
          throw auditError('append to', this.path, err);
        }
        if (created) await fsyncDir(dir).catch(() => undefined);
        return JSON.parse(line) as AuditRecord;
      } finally {
        await fh.close();
      }
    } finally {
      await unlock();
    }
  }

  /** The last record's seq and hash; cuts off an append a crash left without its newline. */
  private async tail(fh: fsp.FileHandle): Promise<{ seq: number; hash: string }> {
    let size = (await fh.stat()).size;
    if (size === 0) return { seq: 0, hash: GENESIS };
    const buf = Buffer.alloc(Math.min(size, TAIL_BYTES));
    await fh.read(buf, 0, buf.length, size - buf.length);
    let text = buf.toString('utf8');
    if (!text.endsWith('\n')) {
      // Never acknowledged: its writer did not get as far as the newline and the fsync.
      const nl = text.lastIndexOf('\n');
      if (nl < 0 && buf.length < size) throw brokenError(this.path, 'its last line is longer than any record');
      size -= text.length - (nl + 1);
      await fh.truncate(size);
      text = text.slice(0, nl + 1);
      if (size === 0) return { seq: 0, hash: GENESIS };
    }
    const last = text.slice(text.lastIndexOf('\n', text.length - 2) + 1, -1);
    const m = HASH_TAIL.exec(last);
    let rec: Partial<AuditRecord> | undefined;
    try {
      rec = JSON.parse(last) as Partial<AuditRecord>;
    } catch {
      rec = undefined;
    }
    if (m === null || rec === undefined || typeof rec.seq !== 'number' || sha256(`${last.slice(0, m.index)}}`) !== m[1]) {
      throw brokenError(this.path, 'its last record is damaged, so a new record cannot be chained to it');
    }
    return { seq: rec.seq, hash: m[1]! };
  }
}

/**
 * Takes `<log>.lock` (created exclusively, holding our pid); waits while a
 * live process holds it, takes over one whose process is gone.
 */
async function lock(file: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fh = await fsp.open(file, 'wx', 0o600);
      await fh.write(String(process.pid));
      await fh.close();
      return () => fsp.unlink(file).catch(() => undefined);
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw auditError('lock', file, err);
    }
    const holder = Number(await fsp.readFile(file, 'utf8').catch(() => ''));
    if (Number.isSafeInteger(holder) && holder > 0 && !isAlive(holder)) {
      await fsp.unlink(file).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new GallraError('GALLRA_AUDIT_IO', `audit log: ${file} has been held for ${LOCK_WAIT_MS / 1000} s by process ${holder || '(unknown)'}; if no gallra process is running, remove the lock file`);
    }
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
}

function auditError(op: string, file: string, cause: unknown): GallraError {
  const code = errnoOf(cause);
  return new GallraError('GALLRA_AUDIT_IO', `audit log: cannot ${op} ${file}${code === undefined ? '' : ` (${code})`}; check audit.path in the policy, its directory's permissions and free space`, { cause });
}

function brokenError(file: string, why: string): GallraError {
  return new GallraError(
    'GALLRA_AUDIT_BROKEN',
    `audit log ${file}: ${why}. Run 'gallra audit verify' to see where the chain breaks, keep the file as evidence (move it aside), and gallra starts a new log at audit.path`,
  );
}
