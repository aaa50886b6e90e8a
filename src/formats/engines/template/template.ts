/**
 * Text log formats described the way nginx describes them: a `log_format`
 * template of literals and `$variables`
 * (https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format).
 * Apache's LogFormat strings map onto the same model (`%h` is `$remote_addr`,
 * `%l` `$remote_logname`, `%u` `$remote_user`, …), so one compiled template
 * parses a line into fields and writes fields back into a line of the very
 * same shape — the format-preserving output GoAccess and friends still read.
 *
 * A field ends where the literal after it starts. Inside double quotes nginx
 * escapes `"` as `\x22` and Apache as `\"`, so a quote preceded by an odd
 * number of backslashes does not end a quoted field.
 */
import { BACKSLASH, MINUS, NINE, QUOTE, SPACE, ZERO } from '../../../util/ascii.js';

export interface TemplateField {
  /** The variable name without `$`. */
  readonly name: string;
  /** Whether the field sits between double quotes (and may hold escapes). */
  readonly quoted: boolean;
}

/**
 * Why a template string could not be compiled; `at` is a character offset.
 *
 * @example
 * try { compileTemplate('$remote_addr "$request'); } catch (e) { if (e instanceof TemplateError) e.at; }
 */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/**
 * Fields whose value must look a certain way for a line to match
 * (auto-detection relies on it), as small codes the parse loop switches on.
 */
const CHECK_NONE = 0;
const CHECK_STATUS = 1; // three digits, 1xx–9xx
const CHECK_COUNT = 2; // digits
const CHECK_COUNT_OR_DASH = 3; // digits or "-"
const CHECK_ADDRESS = 4; // an address (optionally with port) or a host name, or "-"
const CHECK_TOKEN = 5; // no space (unquoted only)
const CHECK_USER = 6; // no space; in a lenient parse, spaces inside when the ident before it is "-"
const CHECKS: Readonly<Record<string, number>> = {
  remote_addr: CHECK_ADDRESS,
  // CLF's ident and user are single tokens (GoAccess's %e stops at a space too).
  // Without this a vhost_combined line whose host looks like an address
  // (10.0.0.1:80, cafe.de:443) is taken for combined with "- bob" as user.
  remote_logname: CHECK_TOKEN,
  remote_user: CHECK_USER,
  status: CHECK_STATUS,
  body_bytes_sent: CHECK_COUNT_OR_DASH,
  bytes_sent: CHECK_COUNT_OR_DASH,
  request_length: CHECK_COUNT_OR_DASH,
  server_port: CHECK_COUNT,
  connection: CHECK_COUNT,
};

export function isStatus(src: string, s: number, e: number): boolean {
  if (e - s !== 3) return false;
  const a = src.charCodeAt(s);
  const b = src.charCodeAt(s + 1);
  const c = src.charCodeAt(s + 2);
  return a >= 49 && a <= NINE && b >= ZERO && b <= NINE && c >= ZERO && c <= NINE;
}
/**
 * Could be a client address: IP characters (hex digits, `:`, `.`, brackets,
 * `%` zone), or a host name without a colon. This is what tells
 * `vhost_combined` (`example.com:443 81.6.12.34 - …`) from `combined`, whose
 * remote_user would otherwise swallow the extra field.
 */
export function isAddress(src: string, s: number, e: number): boolean {
  if (e <= s) return false;
  let colon = false;
  let nonHex = false;
  let zone = false;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (c === 58) colon = true;
    else if (c === 37) zone = true;
    else if ((c >= ZERO && c <= NINE) || c === 46 || c === 91 || c === 93) continue;
    else if ((c | 0x20) >= 97 && (c | 0x20) <= 102) continue;
    // An IPv6 zone is an interface name (fe80::1%eth0): letters there do not make a host name.
    else if (((c | 0x20) >= 103 && (c | 0x20) <= 122) || c === MINUS || c === 95) nonHex ||= !zone;
    else return false;
  }
  return !(colon && nonHex);
}

function isToken(src: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (src.charCodeAt(i) === SPACE) return false;
  return true;
}

export function isCount(src: string, s: number, e: number): boolean {
  if (e <= s || e - s > 20) return false;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (c < ZERO || c > NINE) return false;
  }
  return true;
}

/**
 * A lenient parse's user name: spaces inside (`anna svensson`, an LDAP
 * display name), none at either end, and only after an ident of `-`. The
 * ident rule keeps it from swallowing a vhost_combined line read as
 * combined: there the "ident" is the client address.
 */
function isSpacedUser(src: string, s: number, e: number, identStart: number, identEnd: number): boolean {
  if (e <= s || src.charCodeAt(s) === SPACE || src.charCodeAt(e - 1) === SPACE) return false;
  return identEnd - identStart === 1 && src.charCodeAt(identStart) === MINUS;
}

/** `[`, which opens an IPv6 literal host (`[2001:db8::1]:443`). */
const OPEN_BRACKET = 91;

/** What a strict {@link CompiledTemplate.parse} returns when a lenient parse might still match the line. */
export const TRY_LENIENT = -2;

/**
 * Index of the first `needle` in `src[from..limit)` that is not escaped by a
 * backslash (when `quoted`), or -1.
 */
function findTerminator(src: string, needle: string, from: number, limit: number, quoted: boolean): number {
  let at = src.indexOf(needle, from);
  while (at >= 0 && at + needle.length <= limit) {
    if (!quoted) return at;
    let bs = 0;
    for (let k = at - 1; k >= from && src.charCodeAt(k) === BACKSLASH; k--) bs++;
    if ((bs & 1) === 0) return at;
    at = src.indexOf(needle, at + 1);
  }
  return -1;
}

/**
 * A compiled template.
 *
 * @example
 * const t = compileTemplate('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent');
 * const starts = new Int32Array(6), ends = new Int32Array(6);
 * const line = '81.6.12.34 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 512';
 * t.parse(line, 0, line.length, starts, ends) // line.length; line.slice(starts[0], ends[0]) === '81.6.12.34'
 */
export class CompiledTemplate {
  /** literals[i] precedes fields[i]; the last literal follows the last field. */
  readonly literals: readonly string[];
  readonly fields: readonly TemplateField[];
  // Flat per-field arrays for the parse loop: what ends the field, whether it
  // is quoted, and which check its value must pass.
  private readonly terms: string[];
  private readonly quoted: boolean[];
  private readonly checks: Uint8Array;
  /** Per field: unquoted and ended by `:` (a host before its port), so an IPv6 literal in brackets may hold colons. */
  private readonly bracketable: boolean[];
  /** The index of `$remote_logname` (the ident a spaced user must follow), or -1. */
  private readonly identSlot: number;

  constructor(
    readonly source: string,
    literals: string[],
    fields: TemplateField[],
  ) {
    this.literals = literals;
    this.fields = fields;
    this.terms = literals.slice(1);
    this.quoted = fields.map((f) => f.quoted);
    // Between quotes a space is part of the value, not a field boundary.
    this.checks = Uint8Array.from(fields.map((f) => (f.quoted && (CHECKS[f.name] === CHECK_TOKEN || CHECKS[f.name] === CHECK_USER) ? CHECK_NONE : (CHECKS[f.name] ?? CHECK_NONE))));
    this.bracketable = fields.map((f, i) => !f.quoted && this.terms[i]!.startsWith(':'));
    this.identSlot = fields.findIndex((f) => f.name === 'remote_logname');
  }

  /**
   * Parses the line `src[start..end)`, recording each field's range in
   * `starts`/`ends`. Returns the offset where the template's match ends —
   * `end`, or the start of appended fields (a space after the last field) —
   * or -1 when the line does not match.
   *
   * The strict parse (the hot path) wants single-token user names and hosts
   * without colons. Valid but rare lines need more: a `remote_user` with a
   * space, an IPv6-literal virtual host (`[2a02:…]:443`). When a strict parse
   * fails where one of those could be the cause it returns
   * {@link TRY_LENIENT} instead of -1, and the caller parses again with
   * `lenient`, which allows them.
   */
  parse(src: string, start: number, end: number, starts: Int32Array, ends: Int32Array, lenient = false): number {
    const terms = this.terms;
    const quoted = this.quoted;
    const checks = this.checks;
    const n = terms.length;
    const first = this.literals[0]!;
    if (first.length > 0 && !src.startsWith(first, start)) return -1;
    let pos = start + first.length;
    // A strict parse that met a bracketed host: its failure may be the colons inside.
    let bracket = false;
    for (let i = 0; i < n; i++) {
      const term = terms[i]!;
      const q = quoted[i]!;
      let stop: number;
      if (this.bracketable[i]! && src.charCodeAt(pos) === OPEN_BRACKET) {
        bracket = true;
        if (lenient) {
          // `[2a02:…]:443`: the host runs to the bracket that closes it.
          const close = src.indexOf(']' + term, pos);
          if (close < 0 || close >= end) return -1;
          stop = close + 1;
        } else {
          stop = findTerminator(src, term, pos, end, q);
          if (stop < 0) return TRY_LENIENT;
        }
      } else if (term.length === 0) {
        // The last field runs to the end of the line, or to appended fields.
        stop = q ? end : src.indexOf(' ', pos);
        if (stop < 0 || stop > end) stop = end;
      } else {
        stop = findTerminator(src, term, pos, end, q);
        // The last literal must end the line or be followed by appended fields.
        if (i === n - 1) {
          while (stop >= 0 && stop + term.length !== end && src.charCodeAt(stop + term.length) !== SPACE) {
            stop = findTerminator(src, term, stop + 1, end, q);
          }
        }
        if (stop < 0) return bracket ? TRY_LENIENT : -1;
      }
      // nginx and Apache escape `"` inside every value, so an unquoted field
      // starting with one is a quoted field of another layout: taking it would
      // put a quoted value (an XFF address list) into, say, a kept $request_time.
      const fail = bracket && !lenient ? TRY_LENIENT : -1;
      if (!q && stop > pos && src.charCodeAt(pos) === QUOTE) return fail;
      switch (checks[i]) {
        case CHECK_NONE:
          break;
        case CHECK_STATUS:
          if (!isStatus(src, pos, stop)) return fail;
          break;
        case CHECK_COUNT:
          if (!isCount(src, pos, stop)) return fail;
          break;
        case CHECK_ADDRESS:
          if (!isAddress(src, pos, stop)) return fail;
          break;
        case CHECK_TOKEN:
          if (!isToken(src, pos, stop)) return fail;
          break;
        case CHECK_USER:
          if (!isToken(src, pos, stop)) {
            if (!lenient) return TRY_LENIENT;
            const id = this.identSlot;
            if (id < 0 || id >= i || !isSpacedUser(src, pos, stop, starts[id]!, ends[id]!)) return -1;
          }
          break;
        case CHECK_COUNT_OR_DASH:
          if (!(stop - pos === 1 && src.charCodeAt(pos) === MINUS) && !isCount(src, pos, stop)) return fail;
          break;
      }
      starts[i] = pos;
      ends[i] = stop;
      pos = stop + term.length;
    }
    return pos;
  }
}

/**
 * Compiles an nginx-style `log_format` string. Variables are `$name` or
 * `${name}`; two variables need a literal between them, or the line could
 * not be split again.
 *
 * @example
 * compileTemplate('$host:$server_port $remote_addr ...')
 */
export function compileTemplate(source: string): CompiledTemplate {
  const literals: string[] = [];
  const fields: TemplateField[] = [];
  let lit = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c !== '$') {
      lit += c;
      i++;
      continue;
    }
    const at = i;
    let name: string;
    if (source[i + 1] === '{') {
      const close = source.indexOf('}', i + 2);
      if (close < 0) throw new TemplateError('unclosed ${…}', at);
      name = source.slice(i + 2, close);
      i = close + 1;
    } else {
      let j = i + 1;
      while (j < source.length && /[A-Za-z0-9_]/.test(source[j]!)) j++;
      name = source.slice(i + 1, j);
      i = j;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TemplateError(`"$" must start a variable name such as $remote_addr`, at);
    if (fields.length > 0 && lit.length === 0) {
      throw new TemplateError(`$${name} follows $${fields[fields.length - 1]!.name} with nothing between them, so the line cannot be split; put a space or other literal between`, at);
    }
    if (fields.some((f) => f.name === name)) throw new TemplateError(`$${name} appears twice`, at);
    literals.push(lit);
    fields.push({ name, quoted: lit.endsWith('"') && source[i] === '"' });
    lit = '';
  }
  literals.push(lit);
  if (fields.length === 0) throw new TemplateError('the template has no $variables', 0);
  return new CompiledTemplate(source, literals, fields);
}

/**
 * Finds the fields appended after a template's match
 * (` "$http_x_forwarded_for" $request_time`) in `src[from..end)`, recording
 * each one's range (inside the quotes) in `starts`/`ends` and whether it was
 * quoted in `quoted`, from index `at` on. Returns how many, or -1 when a
 * quoted field is not closed or there are more than `max`.
 *
 * @example
 * parseAppended(' "1.2.3.4, 10.0.0.1" 0.012', 0, 26, starts, ends, quoted, 0, 8) // 2
 */
export function parseAppended(src: string, from: number, end: number, starts: Int32Array, ends: Int32Array, quoted: Uint8Array, at: number, max: number): number {
  let pos = from;
  let n = 0;
  while (pos < end) {
    if (src.charCodeAt(pos) !== SPACE) return -1;
    pos++;
    if (pos >= end) break;
    if (n === max) return -1;
    if (src.charCodeAt(pos) === QUOTE) {
      const close = findTerminator(src, '"', pos + 1, end, true);
      if (close < 0) return -1;
      quoted[at + n] = 1;
      starts[at + n] = pos + 1;
      ends[at + n] = close;
      pos = close + 1;
    } else {
      let stop = src.indexOf(' ', pos);
      if (stop < 0 || stop > end) stop = end;
      quoted[at + n] = 0;
      starts[at + n] = pos;
      ends[at + n] = stop;
      pos = stop;
    }
    n++;
  }
  return n;
}
