/**
 * Checkpoint files for resumable sources: which file (device, inode and a
 * fingerprint of its first bytes) and
 * how far into it downstream has durably accepted. Written durably
 * (util/durable-fs.ts: temp file, fsync, rename, fsync of the directory) so
 * a crash leaves either the old or the new checkpoint, never half of one.
 * They hold no log content.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { GallraError } from '../../errors.js';
import { DurableWriteError, writeFileDurably } from '../../util/durable-fs.js';
import { errnoOf } from '../../util/errno.js';
import { fileSegment, type SegmentId, type SourcePosition } from '../source.js';

export interface Checkpoint extends SourcePosition<SegmentId> {
  /** The path the source follows (for the operator; identity is dev + inode). */
  readonly path: string;
  /** How far the file had been read when the checkpoint was written (≥ offset): what a restart reads again. */
  readonly read?: number | undefined;
  /** The file's size when the checkpoint was written: bytes known to exist, so known lost if the file goes. */
  readonly size?: number | undefined;
  /** When the checkpoint was written (ms since the epoch). */
  readonly at?: number | undefined;
}

/**
 * Reads a checkpoint; undefined when there is none. A corrupt file is an
 * error naming it: guessing a position could duplicate or lose lines.
 *
 * @example
 * const cp = readCheckpoint('/var/lib/gallra/checkpoints/nginx.json');
 */
export function readCheckpoint(file: string): Checkpoint | undefined {
  return readCheckpoints(file)?.[0];
}

/**
 * Reads a checkpoint file of one followed file (`{path, dev, …}`) or of
 * several (a glob source: `{files: [{path, dev, …}, …]}`); undefined when
 * there is none.
 *
 * @example
 * for (const cp of readCheckpoints(file) ?? []) resume(cp.path, cp);
 */
export function readCheckpoints(file: string): Checkpoint[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new GallraError('GALLRA_CHECKPOINT_IO', `checkpoint ${file}: cannot read (${(err as NodeJS.ErrnoException).code})`, { cause: err });
  }
  try {
    const v = JSON.parse(text) as { files?: unknown };
    const list = Array.isArray(v.files) ? (v.files as unknown[]) : [v];
    const out = list.map(entryOf);
    if (out.every((e): e is Checkpoint => e !== undefined)) return out;
  } catch {
    // fall through
  }
  throw new GallraError('GALLRA_CHECKPOINT_IO', `checkpoint ${file} is corrupt; remove it to start over (the source then starts as its start_at says)`);
}

const count = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

function entryOf(x: unknown): Checkpoint | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const v = x as { path?: unknown; dev?: unknown; ino?: unknown; head?: unknown; head_bytes?: unknown; offset?: unknown; read?: unknown; size?: unknown; at?: unknown };
  const id = (y: unknown): y is string => typeof y === 'string' && /^\d{1,40}$/.test(y);
  if (!(typeof v.path === 'string' && id(v.dev) && id(v.ino) && typeof v.head === 'string' && /^[0-9a-f]{0,64}$/.test(v.head) && count(v.head_bytes) && count(v.offset))) return undefined;
  if ((v.read !== undefined && !count(v.read)) || (v.size !== undefined && !count(v.size)) || (v.at !== undefined && !count(v.at))) return undefined;
  const cp: Checkpoint = { path: v.path, segment: fileSegment(v.dev, v.ino, v.head, v.head_bytes), offset: v.offset };
  return { ...cp, ...(v.read !== undefined ? { read: v.read } : {}), ...(v.size !== undefined ? { size: v.size } : {}), ...(v.at !== undefined ? { at: v.at } : {}) };
}

function jsonOf(cp: Checkpoint): Record<string, unknown> {
  const { dev, ino, head, headBytes } = cp.segment;
  return { path: cp.path, dev, ino, head, head_bytes: headBytes, offset: cp.offset, ...(cp.read !== undefined ? { read: cp.read } : {}), ...(cp.size !== undefined ? { size: cp.size } : {}), ...(cp.at !== undefined ? { at: cp.at } : {}) };
}

/**
 * Writes a checkpoint durably (util/durable-fs.ts: temp file, fsync, rename,
 * fsync of the directory), mode 0600 in a directory created 0700.
 *
 * @example
 * await writeCheckpoint(file, { path: '/var/log/nginx/access.log', segment: { dev, ino, head, headBytes }, offset });
 */
export function writeCheckpoint(file: string, cp: Checkpoint): Promise<void> {
  return writeDurably(file, `${JSON.stringify(jsonOf(cp))}\n`);
}

/**
 * Writes the checkpoints of several followed files (a glob source) durably, in one file.
 *
 * @example
 * await writeCheckpoints(file, [a, b]);
 */
export function writeCheckpoints(file: string, cps: readonly Checkpoint[]): Promise<void> {
  return writeDurably(file, `${JSON.stringify({ files: cps.map(jsonOf) })}\n`);
}

/** A crash leaves the old text or the new, never half of one. */
async function writeDurably(file: string, text: string): Promise<void> {
  try {
    await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFileDurably(file, text, { mode: 0o600 });
  } catch (err) {
    const code = err instanceof DurableWriteError ? err.code : errnoOf(err);
    throw new GallraError('GALLRA_CHECKPOINT_IO', `checkpoint ${file}: cannot write (${code ?? String(err)})`, { cause: err });
  }
}

const KEY_BYTES = 32;

/**
 * The key that file fingerprints in checkpoints are HMACs under: a plain hash
 * of a log's first bytes would let anyone holding the checkpoint test guesses
 * of the raw first line (an address is a few thousand guesses away once the
 * anonymised line is known). One random key per checkpoint directory, in
 * `.fingerprint.key` (0600), created atomically so concurrent starts agree;
 * without checkpoints the key lives in memory only.
 *
 * @example
 * const key = fingerprintKey('/var/lib/gallra/checkpoints/nginx.json');
 */
export function fingerprintKey(checkpointFile: string | undefined): Uint8Array {
  if (checkpointFile === undefined) return new Uint8Array(randomBytes(KEY_BYTES));
  const dir = path.dirname(checkpointFile);
  const file = path.join(dir, '.fingerprint.key');
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      return readKey(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // First writer wins: write a temp file, link it into place, read what won.
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.writeSync(fd, randomBytes(KEY_BYTES));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    return readKey(file);
  } catch (err) {
    if (err instanceof GallraError) throw err;
    throw new GallraError('GALLRA_CHECKPOINT_IO', `checkpoint key ${file}: cannot read or create (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

function readKey(file: string): Uint8Array {
  const b = fs.readFileSync(file);
  if (b.length !== KEY_BYTES) throw new GallraError('GALLRA_CHECKPOINT_IO', `checkpoint key ${file} is not ${KEY_BYTES} bytes; remove it and the checkpoints beside it to start over`);
  return new Uint8Array(b);
}
