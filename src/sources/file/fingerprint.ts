/**
 * How a file source recognises a file again: device, inode, and an HMAC of
 * its first bytes (a recycled inode or a truncated-and-rewritten file has
 * other first bytes). A gzip-compressed rotated file is recognised by the
 * fingerprint of its *decompressed* first bytes, so `access.log.2.gz` is
 * known to be the `access.log.1` a checkpoint named before logrotate
 * compressed it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';

/** Bytes of a file's start fingerprinted to recognise it again. */
export const HEAD_BYTES = 1024;

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
/**
 * Compressed bytes read to find the first HEAD_BYTES decompressed: deflate
 * never expands text by more than a few bytes per block, so this is ample.
 */
const GZIP_PROBE_BYTES = 16 * 1024;

/** Device and inode of a path or descriptor as strings (bigint stats), with the size and mtime. */
export interface Identity {
  readonly dev: string;
  readonly ino: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly isFile: boolean;
}

/**
 * Identity of a bigint stat.
 *
 * @example
 * identityOf(fs.fstatSync(fd, { bigint: true })).ino // '1234567'
 */
export function identityOf(st: fs.BigIntStats): Identity {
  return { dev: st.dev.toString(), ino: st.ino.toString(), size: Number(st.size), mtimeMs: Number(st.mtimeMs), isFile: st.isFile() };
}

/**
 * The identity of what `p` names now, or undefined when nothing does (or it cannot be looked at).
 *
 * @example
 * statPath('/var/log/nginx/access.log')?.ino
 */
export function statPath(p: string): Identity | undefined {
  try {
    return identityOf(fs.statSync(p, { bigint: true }));
  } catch {
    return undefined;
  }
}

/**
 * The HMAC (hex, first 32 chars) of `b`: never a plain hash of raw log text
 * (see fingerprintKey in checkpoint.ts). Zeroes `b` afterwards.
 *
 * @example
 * mac(Buffer.from('first line\n'), key) // '3f1c…'
 */
function mac(b: Buffer, key: Uint8Array): string {
  const out = crypto.createHmac('sha256', key).update(b).digest('hex').slice(0, 32);
  b.fill(0);
  return out;
}

/**
 * The fingerprint of a file's first `n` bytes (n ≤ HEAD_BYTES), or undefined if it is shorter.
 *
 * @example
 * headOf(fd, 1024, key) // '9a0e…'
 */
export function headOf(fd: number, n: number, key: Uint8Array): string | undefined {
  if (n === 0) return '';
  if (n > HEAD_BYTES) return undefined;
  const b = Buffer.allocUnsafe(n);
  const got = fs.readSync(fd, b, 0, n, 0);
  if (got < n) return undefined;
  return mac(b, key);
}

/**
 * Whether the file open on `fd` starts with the gzip magic bytes.
 *
 * @example
 * if (isGzipFd(fd)) refuse();
 */
export function isGzipFd(fd: number): boolean {
  const b = Buffer.alloc(2);
  return fs.readSync(fd, b, 0, 2, 0) === 2 && b[0] === GZIP_MAGIC_0 && b[1] === GZIP_MAGIC_1;
}

/**
 * Up to HEAD_BYTES of a gzip file's decompressed start (a truncated or
 * corrupt stream gives what could be decompressed; not gzip at all gives
 * undefined).
 */
function gzipHead(fd: number): Buffer | undefined {
  const probe = Buffer.allocUnsafe(GZIP_PROBE_BYTES);
  const got = fs.readSync(fd, probe, 0, GZIP_PROBE_BYTES, 0);
  if (got < 2 || probe[0] !== GZIP_MAGIC_0 || probe[1] !== GZIP_MAGIC_1) return undefined;
  try {
    // A sync flush at the end of the probe: what was decompressed so far, not an error about the rest.
    const out = zlib.gunzipSync(probe.subarray(0, got), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    return out.subarray(0, HEAD_BYTES);
  } catch {
    return undefined;
  } finally {
    probe.fill(0);
  }
}

/**
 * The fingerprint of a gzip file's first `n` decompressed bytes, or undefined
 * if it decompresses to fewer (or is not gzip).
 *
 * @example
 * gzipHeadOf(fd, 1024, key) === checkpoint.head // access.log.2.gz is the file the checkpoint named
 */
export function gzipHeadOf(fd: number, n: number, key: Uint8Array): string | undefined {
  if (n > HEAD_BYTES) return undefined;
  const head = gzipHead(fd);
  if (head === undefined) return undefined;
  if (head.length < n) {
    head.fill(0);
    return undefined;
  }
  const out = n === 0 ? '' : mac(head.subarray(0, n), key);
  head.fill(0);
  return out;
}

/**
 * The full-length fingerprint of a gzip file (its first min(size, HEAD_BYTES)
 * decompressed bytes) and how many bytes it covers.
 *
 * @example
 * const { head, headBytes } = gzipFingerprint(fd, key);
 */
export function gzipFingerprint(fd: number, key: Uint8Array): { head: string; headBytes: number } | undefined {
  const head = gzipHead(fd);
  if (head === undefined) return undefined;
  const n = head.length;
  return { head: n === 0 ? '' : mac(head, key), headBytes: n };
}
