/**
 * Splits a line of a space-separated log whose fields may be double-quoted
 * (`"GET / HTTP/1.1"`, where a quote preceded by an odd number of
 * backslashes does not end the field) or bracketed (`[06/Feb/2019:00:00:38
 * +0000]`, one field with a space inside): the layout AWS load balancers and
 * S3 write, and, with runs of spaces as one separator, VPC flow logs.
 */

export const TOKEN_PLAIN = 0;
export const TOKEN_QUOTED = 1;
export const TOKEN_BRACKET = 2;

/** Most tokens a line may have; more and it is not a line of these layouts. */
export const MAX_TOKENS = 96;

/**
 * The tokens of one line: content ranges (inside quotes or brackets), whole
 * ranges (with them), and kinds. Reused line after line.
 *
 * @example
 * const t = new Tokens(); t.split(line, 0, line.length, false) // count, or -1
 */
export class Tokens {
  readonly starts = new Int32Array(MAX_TOKENS);
  readonly ends = new Int32Array(MAX_TOKENS);
  readonly outerStarts = new Int32Array(MAX_TOKENS);
  readonly outerEnds = new Int32Array(MAX_TOKENS);
  readonly kinds = new Uint8Array(MAX_TOKENS);
  count = 0;

  /**
   * Splits `src[start..end)`. With `runs`, runs of spaces separate tokens
   * and nothing is quoted; else one space separates (two in a row make an
   * empty token, a trailing space a last empty one). Returns the count, or
   * -1 when a quote or bracket is not closed before a separator.
   */
  split(src: string, start: number, end: number, runs: boolean): number {
    let n = 0;
    let pos = start;
    if (runs) {
      while (pos < end) {
        while (pos < end && src.charCodeAt(pos) === 32) pos++;
        if (pos >= end) break;
        let stop = src.indexOf(' ', pos);
        if (stop < 0 || stop > end) stop = end;
        if (n === MAX_TOKENS) return -1;
        this.set(n++, pos, stop, pos, stop, TOKEN_PLAIN);
        pos = stop;
      }
      return (this.count = n);
    }
    for (;;) {
      if (n === MAX_TOKENS) return -1;
      const c = pos < end ? src.charCodeAt(pos) : -1;
      let stop: number;
      if (c === 34) {
        const close = closingQuote(src, pos + 1, end);
        if (close < 0) return -1;
        this.set(n++, pos + 1, close, pos, close + 1, TOKEN_QUOTED);
        stop = close + 1;
      } else if (c === 91) {
        let close = src.indexOf(']', pos + 1);
        while (close >= 0 && close + 1 < end && src.charCodeAt(close + 1) !== 32) close = src.indexOf(']', close + 1);
        if (close < 0 || close >= end) return -1;
        this.set(n++, pos + 1, close, pos, close + 1, TOKEN_BRACKET);
        stop = close + 1;
      } else {
        stop = pos < end ? src.indexOf(' ', pos) : end;
        if (stop < 0 || stop > end) stop = end;
        this.set(n++, pos, stop, pos, stop, TOKEN_PLAIN);
      }
      if (stop >= end) break;
      if (src.charCodeAt(stop) !== 32) return -1;
      pos = stop + 1;
    }
    return (this.count = n);
  }

  private set(i: number, s: number, e: number, os: number, oe: number, kind: number): void {
    this.starts[i] = s;
    this.ends[i] = e;
    this.outerStarts[i] = os;
    this.outerEnds[i] = oe;
    this.kinds[i] = kind;
  }
}

/** The closing quote of a field opened before `from`: one not escaped by a backslash, followed by a space or the end. */
function closingQuote(src: string, from: number, end: number): number {
  let at = src.indexOf('"', from);
  while (at >= 0 && at < end) {
    let bs = 0;
    for (let k = at - 1; k >= from && src.charCodeAt(k) === 92; k--) bs++;
    if ((bs & 1) === 0 && (at + 1 === end || src.charCodeAt(at + 1) === 32)) return at;
    at = src.indexOf('"', at + 1);
  }
  return -1;
}
