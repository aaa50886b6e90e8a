/**
 * A worker's share of a file under `gallra anonymise --threads N`: the lines
 * that START in bytes [start, end). Every line belongs to exactly one range
 * (the one holding its first byte), so ranges cut anywhere cover the file
 * once, in order: a range skips the tail of the line it begins inside, and
 * reads past its end to finish its own last line.
 */
import fs from 'node:fs';
import { GallraError } from '../../errors.js';
import { NL } from '../../util/ascii.js';

/** Read size, as the single-thread reader's: each piece becomes one string, which stays in V8's young generation. */
const PIECE = 1 << 16;

/**
 * Reads the lines of `file` that start in [start, end) and hands them on in
 * pieces (each a fresh buffer: the line splitter may keep a piece's tail).
 *
 * @example
 * readRange('access.log', 0, 16 << 20, (piece) => splitter.push(piece));
 */
export function readRange(file: string, start: number, end: number, feed: (piece: Buffer) => void): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw readError(file, err);
  }
  try {
    let pos = start === 0 ? 0 : firstLineStart(fd, file, start);
    // No line starts in this range (it lies inside one long line).
    if (pos < 0 || pos >= end) return;
    for (;;) {
      const piece = Buffer.allocUnsafe(PIECE);
      const n = read(fd, file, piece, pos);
      if (n === 0) return;
      // The newline that ends this range's last line is the first one at or after end - 1.
      const from = end - 1 - pos;
      if (from < n) {
        const nl = piece.indexOf(NL, Math.max(0, from));
        if (nl >= 0 && nl < n) {
          feed(piece.subarray(0, nl + 1));
          return;
        }
      }
      feed(piece.subarray(0, n));
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The first line start at or after `start` (just after the first newline at or after start - 1); -1 at the end of the file. */
function firstLineStart(fd: number, file: string, start: number): number {
  const piece = Buffer.allocUnsafe(PIECE);
  for (let pos = start - 1; ; ) {
    const n = read(fd, file, piece, pos);
    if (n === 0) return -1;
    const nl = piece.indexOf(NL);
    if (nl >= 0 && nl < n) return pos + nl + 1;
    pos += n;
  }
}

function read(fd: number, file: string, into: Buffer, position: number): number {
  try {
    return fs.readSync(fd, into, 0, into.length, position);
  } catch (err) {
    throw readError(file, err);
  }
}

function readError(file: string, err: unknown): GallraError {
  return new GallraError('GALLRA_INPUT_IO', `gallra anonymise: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
}
