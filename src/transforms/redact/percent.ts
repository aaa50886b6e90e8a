/**
 * Percent-decoding rounds (RFC 3986 §2.1), and nginx's `\xHH` escapes (its
 * access log writes bytes of non-ASCII characters and quotes that way). The redactor scans a text as it
 * is and, when it holds a `%`, again over a decoded view whose hits are
 * mapped back to the original bytes; redirect chains encode URLs inside
 * URLs, so `%` itself arrives encoded (`%253A` is `%3A` is `:`) and each
 * round that uncovers escapes is scanned as well.
 */
import { BACKSLASH, PERCENT } from '../../util/ascii.js';
import { hexValue, indexOfByte, isHex } from './bytes.js';

/** Percent-decoding rounds at most: a URL nested four deep is already rare. */
export const MAX_DECODE_ROUNDS = 4;

export function isEscapeAt(t: Uint8Array, i: number, n: number): boolean {
  return t[i] === PERCENT && i + 2 < n && isHex(t[i + 1]!) && isHex(t[i + 2]!);
}

/** `\xHH` at `t[i]`. */
export function isNginxEscapeAt(t: Uint8Array, i: number, n: number): boolean {
  return t[i] === BACKSLASH && i + 3 < n && t[i + 1] === 120 /* x */ && isHex(t[i + 2]!) && isHex(t[i + 3]!);
}

export function hasEscape(t: Uint8Array, n: number): boolean {
  for (let i = indexOfByte(t, PERCENT, 0, n); i >= 0; i = indexOfByte(t, PERCENT, i + 1, n)) if (isEscapeAt(t, i, n)) return true;
  return false;
}

/**
 * Where the hex digits of an escape that starts with the `%` at `s - 1` end
 * (`%5B` → after `5B`; `%25255B` → after `25255B`), or `s` if they are not there.
 */
export function afterEscapeDigits(t: Uint8Array, s: number, e: number): number {
  let i = s;
  while (i + 3 < e && t[i] === 50 /* 2 */ && t[i + 1] === 53 /* 5 */ && isHex(t[i + 2]!) && isHex(t[i + 3]!)) i += 2;
  return i + 1 < e && isHex(t[i]!) && isHex(t[i + 1]!) ? i + 2 : s;
}

/**
 * A percent-decoded view of some bytes: the decoded bytes, where each came
 * from (`map`, increasing, `map[n]` the end of the source range) and how many
 * times each was encoded (`depth`). Holds its buffers between texts.
 *
 * @example
 * const v = new PercentView();
 * const n = v.decode(Buffer.from('a%2540b'), 0, 7); // view 'a%40b', n = 5
 * v.decodeInPlace(n, 2);                            // view 'a@b', returns 3
 */
export class PercentView {
  view = new Uint8Array(1024);
  map = new Int32Array(1025);
  depth = new Uint8Array(1024);

  /**
   * Percent-decodes `b[from..to)` into the view (each %XX becomes one byte)
   * and records where each view byte came from, so hits in the view map back
   * to the original. Returns the view's length. (The first round reads the
   * text where it lies; copying it into the view and running
   * {@link decodeInPlace} instead measured 15–20 % slower on typical request
   * lines in bench/micro/redact.bench.mjs.)
   */
  decode(b: Uint8Array, from: number, to: number): number {
    const len = to - from;
    if (this.view.length < len) {
      this.view = new Uint8Array(len * 2);
      this.map = new Int32Array(len * 2 + 1);
      this.depth = new Uint8Array(len * 2);
    }
    const view = this.view;
    const map = this.map;
    const depth = this.depth;
    let n = 0;
    for (let i = from; i < to; ) {
      const c = b[i]!;
      map[n] = i;
      if (c === PERCENT && i + 2 < to && isHex(b[i + 1]!) && isHex(b[i + 2]!)) {
        depth[n] = 1;
        view[n++] = (hexValue(b[i + 1]!) << 4) | hexValue(b[i + 2]!);
        i += 3;
      } else if (c === BACKSLASH && isNginxEscapeAt(b, i, to)) {
        depth[n] = 1;
        view[n++] = (hexValue(b[i + 2]!) << 4) | hexValue(b[i + 3]!);
        i += 4;
      } else {
        depth[n] = 0;
        view[n++] = c;
        i++;
      }
    }
    map[n] = to;
    return n;
  }

  /**
   * Decoding round `round` over `view[0..n)`, in place (it only shrinks), the
   * origins carried along in `map` and each decoded byte's depth set to the
   * round; returns the new length.
   */
  decodeInPlace(n: number, round: number): number {
    const view = this.view;
    const map = this.map;
    const depth = this.depth;
    let m = 0;
    for (let i = 0; i < n; ) {
      map[m] = map[i]!;
      if (isEscapeAt(view, i, n)) {
        depth[m] = round;
        view[m++] = (hexValue(view[i + 1]!) << 4) | hexValue(view[i + 2]!);
        i += 3;
      } else {
        depth[m] = depth[i]!;
        view[m++] = view[i]!;
        i++;
      }
    }
    map[m] = map[n]!;
    return m;
  }
}
