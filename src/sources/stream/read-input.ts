/**
 * Whole-file input for `gallra anonymise`: a named file or stdin, read in
 * large chunks, with gzip detected by its magic bytes (not the file name, so
 * `access.log.2.gz`, a renamed file and `zcat`-less pipes all work). Several
 * gzip members in a row (`cat a.gz b.gz`) are read as one stream.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { GallraError } from '../../errors.js';

/** Read size: large chunks keep per-chunk overhead off the per-line cost. */
export const READ_CHUNK = 1 << 16;

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** Whether `head`, the first bytes of an input, starts gzip's magic (how gzip is told, whatever the file's name). */
export function isGzipHead(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
}

/**
 * The bytes of `path` (`-` for stdin), gunzipped when they are gzip.
 * Errors become GallraError naming the input.
 *
 * @example
 * for await (const chunk of readInput('access.log.2.gz', (n) => progress.update(n, 0))) splitter.push(chunk);
 */
export async function* readInput(path: string, onRawBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  const label = path === '-' ? 'stdin' : path;
  let raw: Readable;
  if (path === '-') {
    raw = process.stdin;
  } else {
    try {
      // Open first so a missing file is reported before anything is read.
      const fd = fs.openSync(path, 'r');
      // open(2) succeeds on a directory; say so now rather than fail the first read with EISDIR.
      if (fs.fstatSync(fd).isDirectory()) {
        fs.closeSync(fd);
        throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      }
      raw = fs.createReadStream(path, { fd, highWaterMark: READ_CHUNK });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(code);
      throw new GallraError('GALLRA_INPUT_NOT_FOUND', `${label}: cannot open (${why})`, { cause: err });
    }
  }
  try {
    yield* gunzipIfNeeded(raw, onRawBytes ?? (() => undefined));
  } catch (err) {
    if (err instanceof GallraError) throw err;
    const e = err as NodeJS.ErrnoException;
    const what = e.code?.startsWith('Z_') ? 'corrupt or truncated gzip data' : `read failed (${e.code ?? e.message})`;
    throw new GallraError('GALLRA_INPUT_IO', `${label}: ${what}`, { cause: err });
  }
}

/** `onRaw` hears how many bytes were read from the input itself (compressed, for gzip): progress is measured in those. */
async function* gunzipIfNeeded(source: AsyncIterable<Buffer>, onRaw: (n: number) => void): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let first = await it.next();
  // Sniffing needs two bytes; a first chunk of one byte is possible on a pipe.
  while (!first.done && first.value.length < 2) {
    const next = await it.next();
    if (next.done) break;
    first = { done: false, value: Buffer.concat([first.value, next.value]) };
  }
  if (first.done) return;
  const head = first.value;
  const rest = { [Symbol.asyncIterator]: () => it };
  // The input as read: the sniffed head, then the rest, each chunk counted.
  async function* counted(): AsyncGenerator<Buffer> {
    onRaw(head.length);
    yield head;
    for await (const chunk of rest) {
      onRaw((chunk as Buffer).length);
      yield chunk as Buffer;
    }
  }
  if (!isGzipHead(head)) {
    yield* counted();
    return;
  }
  const gunzip = zlib.createGunzip({ chunkSize: READ_CHUNK });
  const compressed = Readable.from(counted());
  compressed.on('error', (err) => gunzip.destroy(err));
  compressed.pipe(gunzip);
  for await (const chunk of gunzip) yield chunk as Buffer;
}
