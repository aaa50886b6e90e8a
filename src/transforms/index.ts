/**
 * Turns a field's policy into the function applied to its value. Transforms
 * are pure over (value, record) apart from the pseudonymiser's keyring, which
 * is read-mostly; all I/O stays in sources and sinks.
 */
import { type FieldSpec } from '../formats/config.js';
import { type LogRecord, type Role } from '../record.js';
import { parseAnyTimestamp } from '../time/parse-timestamp.js';
import { type Pseudonymiser } from './pseudonymise.js';
import { type Redactor, compileRedaction } from './redact/index.js';
import { type IpTruncation, truncateIpList, truncateIpListAt } from './truncate-ip.js';

/** A transform over one string value; undefined drops the field. */
export type FieldOp = (value: string, rec: LogRecord) => string | undefined;

/** When a pure transform's results are memoised (see CompiledOp). */
export type MemoPolicy = 'always' | 'adaptive' | 'never';

/** Everything a transform may need, built once per pipeline. */
export interface TransformContext {
  readonly truncation: IpTruncation;
  readonly redactor: Redactor;
  readonly pseudonymiser: Pseudonymiser;
  readonly generaliseUserAgent: (ua: string) => string;
  /** The record's visitor id (computed once per record from its raw client address, user agent and host). */
  readonly visitorIdOf: (rec: LogRecord) => string | undefined;
}

/**
 * A field's compiled policy.
 * - `keep` / `drop`: no call needed;
 * - `pure`: the result depends on the value alone, so formats memoise it
 *   (addresses, paths, referers and user agents repeat line after line);
 * - `record`: the result also depends on the record (the epoch of its time,
 *   other fields), so it runs every time.
 */
export type CompiledOp =
  | { readonly kind: 'keep' }
  /** keep, for a field whose role says what its values look like: anything else is dropped. */
  | { readonly kind: 'check'; readonly valid: ShapeCheck }
  | { readonly kind: 'drop' }
  | {
      readonly kind: 'pure';
      readonly fn: (value: string) => string;
      /** The same for a value whose ASCII bytes are `bytes[offset..]` (text formats have them): skips encoding. */
      readonly fnAscii: (value: string, bytes: Uint8Array, offset: number) => string;
      /**
       * Whether formats memoise it. `always` when the work (user-agent
       * parsing, ~1 µs) dwarfs a hash and a compare; `adaptive` when it pays
       * only if values repeat (paths, referers), so the memo switches itself
       * off while its hit rate is low — a memo that misses churns the old
       * generation for nothing; `never` for addresses, cheaper to truncate
       * than to look up.
       */
      readonly memo: MemoPolicy;
    }
  | { readonly kind: 'record'; readonly fn: FieldOp };

export const KEEP_OP: CompiledOp = { kind: 'keep' };
export const DROP_OP: CompiledOp = { kind: 'drop' };

/**
 * What a kept value of a role may look like. `keep` copies a field verbatim,
 * so for fields whose meaning fixes their shape — a time, a status, a byte
 * count — anything else is dropped: a JSON `"status": "jo@example.com"` or a
 * `$request_time` holding a stray address must not pass as kept.
 */
const KEEP_SHAPES: Partial<Record<Role, ShapeCheck>> = {
  time: (v, s, e) => isDash(v, s, e) || Number.isFinite(parseAnyTimestamp(v.slice(s, e))),
  status: (v, s, e) => isDash(v, s, e) || (e - s === 3 && allOf(v, s, e, DIGIT)),
  bytes: (v, s, e) => isDash(v, s, e) || (e - s >= 1 && e - s <= 20 && allOf(v, s, e, DIGIT)),
  duration: (v, s, e) => e - s >= 1 && e - s <= 64 && allOf(v, s, e, DURATION),
  method: (v, s, e) => isDash(v, s, e) || (e - s >= 1 && e - s <= 16 && allOf(v, s, e, UPPER)),
  host: (v, s, e) => e - s >= 1 && e - s <= 255 && allOf(v, s, e, HOST),
};

/** Whether `v[s..e)` has a role's shape; ranges, so the text hot path need not slice. */
export type ShapeCheck = (v: string, s: number, e: number) => boolean;

function charClass(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}
const DIGIT = charClass('0123456789');
const DURATION = charClass('0123456789.,: -');
const UPPER = charClass('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
const HOST = charClass('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:[]-');

function allOf(v: string, s: number, e: number, table: Uint8Array): boolean {
  for (let i = s; i < e; i++) {
    const c = v.charCodeAt(i);
    if (c >= 128 || table[c] === 0) return false;
  }
  return true;
}

function isDash(v: string, s: number, e: number): boolean {
  return e - s === 1 && v.charCodeAt(s) === 45;
}

/**
 * `-` is how the Common Log Format writes "no value", and the empty string
 * is its JSON equivalent: neither is personal data, and pseudonymising them
 * would invent a user where there is none.
 */
function isNoValue(v: string): boolean {
  return v.length === 0 || (v.length === 1 && v.charCodeAt(0) === 45);
}

/**
 * The operation a field spec describes.
 *
 * @example
 * const op = compileFieldOp({ transform: 'pseudonymise' }, 'remote_user', 'user', ctx);
 * op.kind === 'record' && op.fn('alice', rec) // 'Xq3…'
 */
export function compileFieldOp(spec: FieldSpec, name: string, role: Role | undefined, ctx: TransformContext): CompiledOp {
  switch (spec.transform) {
    case 'keep': {
      const valid = role === undefined ? undefined : KEEP_SHAPES[role];
      return valid === undefined ? KEEP_OP : { kind: 'check', valid };
    }
    case 'drop':
      return DROP_OP;
    case 'truncate-ip': {
      const t = ctx.truncation;
      return { kind: 'pure', fn: (v) => truncateIpList(v, t), fnAscii: (v, b, off) => truncateIpListAt(v, b, off, t), memo: 'never' };
    }
    case 'redact': {
      // A request line is read as its target URL, URL roles by their structure, the rest as free text.
      const c = compileRedaction(ctx.redactor, role === 'request' ? 'request' : role === 'path' || role === 'referer' ? 'url' : 'text', name);
      return {
        kind: 'pure',
        fn: (v) => (isNoValue(v) ? v : c.fn(v)),
        fnAscii: (v, b, off) => (isNoValue(v) ? v : c.fnAscii(v, b, off)),
        memo: 'adaptive',
      };
    }
    case 'generalise-user-agent': {
      const g = ctx.generaliseUserAgent;
      const fn = (v: string): string => (isNoValue(v) ? v : g(v));
      return { kind: 'pure', fn, fnAscii: fn, memo: 'always' };
    }
    case 'pseudonymise': {
      const p = ctx.pseudonymiser;
      // Fields that mean the same (remote_user, user_id, userId) share a namespace
      // by default, so one person gets one pseudonym across formats.
      const namespace = spec.namespace ?? role ?? name;
      const prefix = spec.prefix ?? p.options.prefix;
      return { kind: 'record', fn: (v, rec) => (isNoValue(v) ? v : p.pseudonym(namespace, v, rec.time, prefix)) };
    }
    case 'visitor-id': {
      const of = ctx.visitorIdOf;
      return { kind: 'record', fn: (_v, rec) => of(rec) ?? '-' };
    }
  }
}
