/**
 * The lean path for the commonest layout, NCSA combined (issue 14): the nine
 * fields located with straight-line code — one `indexOf` per delimiter,
 * the time and the status read at their fixed widths — instead of the
 * template's general loop.
 *
 * It is an optimisation of {@link CompiledTemplate.parse}, not a second
 * parser: for every line it either returns exactly what the strict general
 * parse returns (the same end offset and the same field ranges), or
 * {@link LEAN_FALLBACK}, and the caller then runs the general parse. It
 * returns an offset only when each step provably finds what the general
 * parse finds (the reasoning is beside each step); anything unusual — an
 * escaped quote, a spaced user name, a time that does not parse, a line that
 * does not match at all — falls back, so the general path keeps the exact
 * semantics. test/pipeline/lean-path.test.ts runs both over generated and
 * adversarial lines and requires the same output byte for byte.
 */
import { BACKSLASH, MINUS, QUOTE, SPACE } from '../../../util/ascii.js';
import { type CompiledTemplate, isAddress, isCount, isStatus } from './template.js';

/** What {@link LeanCombined.parse} returns when the general parse must decide. */
export const LEAN_FALLBACK = -3;

const LBRACKET = 91;
const RBRACKET = 93;

/** The combined layout's literals and fields, as {@link compileTemplate} compiles them. */
const COMBINED_LITERALS = ['', ' ', ' ', ' [', '] "', '" ', ' ', ' "', '" "', '"'];
const COMBINED_FIELDS = ['remote_addr', 'remote_logname', 'remote_user', 'time_local', 'request', 'status', 'body_bytes_sent', 'http_referer', 'http_user_agent'];
const QUOTED = new Set(['request', 'http_referer', 'http_user_agent']);

/** Whether `t` is the combined layout exactly (whatever name the policy gives it). */
export function isCombinedLayout(t: CompiledTemplate): boolean {
  return (
    t.literals.length === COMBINED_LITERALS.length &&
    t.literals.every((l, i) => l === COMBINED_LITERALS[i]) &&
    t.fields.length === COMBINED_FIELDS.length &&
    t.fields.every((f, i) => f.name === COMBINED_FIELDS[i] && f.quoted === QUOTED.has(f.name))
  );
}

/**
 * @example
 * const lean = new LeanCombined(createClfTimeParser());
 * const stop = lean.parse(src, 0, src.length, starts, ends); // LEAN_FALLBACK: run template.parse
 */
export class LeanCombined {
  /** The time the last successful {@link parse} read (finite). */
  time = NaN;

  constructor(private readonly parseTime: (src: string, s: number, e: number) => number) {}

  /** The combined fields of `src[start..end)` into `starts`/`ends` (slots 0..8); the match's end, or {@link LEAN_FALLBACK}. */
  parse(src: string, start: number, end: number, starts: Int32Array, ends: Int32Array): number {
    // remote_addr, ended by the first space (unquoted: no escapes), checked as the general parse checks it.
    const a1 = src.indexOf(' ', start);
    if (a1 <= start || a1 >= end || src.charCodeAt(start) === QUOTE || !isAddress(src, start, a1)) return LEAN_FALLBACK;
    // remote_logname: up to the next space, so it holds none (the token check holds by construction).
    const l0 = a1 + 1;
    const l1 = src.indexOf(' ', l0);
    if (l1 <= l0 || l1 >= end || src.charCodeAt(l0) === QUOTE) return LEAN_FALLBACK;
    // remote_user, ended by " [": the first space after it must be that one, so the user holds no space
    // (a spaced user is the general parse's lenient case) and it is the first " [" there is.
    const u0 = l1 + 1;
    const u1 = src.indexOf(' ', u0);
    if (u1 <= u0 || u1 + 1 >= end || src.charCodeAt(u1 + 1) !== LBRACKET || src.charCodeAt(u0) === QUOTE) return LEAN_FALLBACK;
    // time_local, ended by `] "`: 26 characters when it parses. A time that parses has the fixed shape
    // `dd/Mon/yyyy:hh:mm:ss +zzzz`, which holds no `]`, so the `] "` right after it is the first one.
    const t0 = u1 + 2;
    const t1 = t0 + 26;
    if (t1 + 3 > end || src.charCodeAt(t1) !== RBRACKET || src.charCodeAt(t1 + 1) !== SPACE || src.charCodeAt(t1 + 2) !== QUOTE) return LEAN_FALLBACK;
    const time = this.parseTime(src, t0, t1);
    if (!Number.isFinite(time)) return LEAN_FALLBACK;
    // request (quoted), ended by the first `" ` not escaped: fall back when a backslash precedes it.
    const r0 = t1 + 3;
    const r1 = src.indexOf('" ', r0);
    if (r1 < 0 || r1 + 2 > end || (r1 > r0 && src.charCodeAt(r1 - 1) === BACKSLASH)) return LEAN_FALLBACK;
    // status: three digits then a space (digits hold no space, so that space is the first).
    const s0 = r1 + 2;
    const s1 = s0 + 3;
    if (s1 >= end || src.charCodeAt(s1) !== SPACE || !isStatus(src, s0, s1)) return LEAN_FALLBACK;
    // body_bytes_sent, ended by ` "`: digits or `-` up to the first space, which must open the referer.
    const b0 = s1 + 1;
    const b1 = src.indexOf(' ', b0);
    if (b1 <= b0 || b1 + 1 >= end || src.charCodeAt(b1 + 1) !== QUOTE) return LEAN_FALLBACK;
    if (!(b1 - b0 === 1 && src.charCodeAt(b0) === MINUS) && !isCount(src, b0, b1)) return LEAN_FALLBACK;
    // http_referer (quoted), ended by the first `" "` not escaped.
    const f0 = b1 + 2;
    const f1 = src.indexOf('" "', f0);
    if (f1 < 0 || f1 + 3 > end || (f1 > f0 && src.charCodeAt(f1 - 1) === BACKSLASH)) return LEAN_FALLBACK;
    // http_user_agent (quoted, last): its first quote must close it, not escaped, and end the line
    // or be followed by a space (appended fields) — the general parse's rule for the last literal.
    const g0 = f1 + 3;
    const g1 = src.indexOf('"', g0);
    if (g1 < 0 || g1 >= end || (g1 > g0 && src.charCodeAt(g1 - 1) === BACKSLASH)) return LEAN_FALLBACK;
    if (g1 + 1 !== end && src.charCodeAt(g1 + 1) !== SPACE) return LEAN_FALLBACK;
    starts[0] = start;
    ends[0] = a1;
    starts[1] = l0;
    ends[1] = l1;
    starts[2] = u0;
    ends[2] = u1;
    starts[3] = t0;
    ends[3] = t1;
    starts[4] = r0;
    ends[4] = r1;
    starts[5] = s0;
    ends[5] = s1;
    starts[6] = b0;
    ends[6] = b1;
    starts[7] = f0;
    ends[7] = f1;
    starts[8] = g0;
    ends[8] = g1;
    this.time = time;
    return g1 + 1;
  }
}
