/**
 * HAProxy's default HTTP log (`option httplog`,
 * https://docs.haproxy.org/dev/configuration.html#8.2.3):
 *
 *   [syslog header] haproxy[pid]: ci:cp [accept date] frontend backend/server TR/Tw/Tc/Tr/Ta
 *   status bytes req_cookie res_cookie term_state act/fe/be/srv/retries srv_queue/backend_queue
 *   [{captured request headers}] [{captured response headers}] "request"
 *
 * with an RFC 3164 header (`Feb  6 12:14:14 host `, no year), an RFC 5424
 * header (`<134>1 2024-06-12T10:09:11.8+02:00 host app pid msgid sd `, whose
 * offset gives the zone), none (`haproxy[674]: …`, as the manual prints its
 * examples) or not even the tag (`log … format raw`). The event time is the
 * accept date, local time in the configured zone. Captured headers are
 * `|`-separated inside braces, cut at their capture length, and named by
 * position with the `request_captures`/`response_captures` options (an
 * unnamed position is dropped). HAProxy escapes `"`, `#` and non-printable
 * bytes as `#XX` (and `{`, `|`, `}` in captures); what gallra writes back is
 * escaped the same way.
 */
import { DROPPED, Event, FieldLayout, UNCHANGED, type FieldOutput } from '../../event/event.js';
import type { Role } from '../../event/vocabulary.js';
import { type DecodeOutcome, type Format, type FormatContext, MATCH, NO_MATCH } from '../format.js';
import { formatRole } from '../engines/fields/roles.js';
import { addressLike, isDash, NextIndex, plainValue, portColon } from '../engines/fields/text.js';
import { createClfReader, createIsoReader } from '../engines/fields/time.js';
import { zoneOffsetReader } from './zone.js';

export const FIXED_FIELDS = [
  'syslog', 'process', 'client_ip', 'client_port', 'accept_date', 'frontend', 'backend', 'server',
  'TR', 'Tw', 'Tc', 'Tr', 'Ta', 'status', 'bytes_read', 'captured_request_cookie', 'captured_response_cookie',
  'termination_state', 'actconn', 'feconn', 'beconn', 'srv_conn', 'retries', 'srv_queue', 'backend_queue',
] as const;

const SYSLOG = 0;
const PROCESS = 1;
const CLIENT_IP = 2;
const CLIENT_PORT = 3;
const ACCEPT_DATE = 4;

export const HAPROXY_ROLES: Readonly<Record<string, Role>> = {
  process: 'dimension',
  client_ip: 'client_ip',
  client_port: 'client_port',
  accept_date: 'time',
  frontend: 'dimension',
  backend: 'dimension',
  server: 'dimension',
  TR: 'duration',
  Tw: 'duration',
  Tc: 'duration',
  Tr: 'duration',
  Ta: 'duration',
  status: 'status',
  bytes_read: 'bytes_out',
  captured_request_cookie: 'session',
  captured_response_cookie: 'session',
  termination_state: 'dimension',
  actconn: 'dimension',
  feconn: 'dimension',
  beconn: 'dimension',
  srv_conn: 'dimension',
  retries: 'dimension',
  srv_queue: 'dimension',
  backend_queue: 'dimension',
  request: 'request',
};

export interface HaproxyOptions {
  readonly requestCaptures: readonly string[];
  readonly responseCaptures: readonly string[];
  readonly timeZone: string;
}

/** Most captured headers per block. */
const MAX_CAPTURES = 32;

/**
 * @example
 * const f = new HaproxyFormat({ requestCaptures: ['http_host'], responseCaptures: [], timeZone: 'UTC' }, ctx);
 */
export class HaproxyFormat implements Format {
  readonly name: string;
  readonly event: Event;
  private readonly nReq: number;
  private readonly nRes: number;
  private readonly reqBase: number;
  private readonly resBase: number;
  private readonly requestSlot: number;
  private readonly readDate = createClfReader();
  private readonly readIso = createIsoReader(true);
  private readonly zoneOffset: (localMs: number) => number;
  /** Ranges of the capture positions beyond the named ones (dropped), and of the whole brace blocks. */
  private readonly extraStarts = new Int32Array(2 * MAX_CAPTURES);
  private readonly extraEnds = new Int32Array(2 * MAX_CAPTURES);
  private extras = 0;
  private processEnd = 0;

  constructor(
    readonly options: HaproxyOptions,
    ctx: FormatContext,
  ) {
    this.name = ctx.name;
    const names = [...FIXED_FIELDS, ...options.requestCaptures, ...options.responseCaptures, 'request'];
    this.event = new Event(new FieldLayout(names, names.map((n) => formatRole(ctx, n, HAPROXY_ROLES))));
    this.nReq = options.requestCaptures.length;
    this.nRes = options.responseCaptures.length;
    this.reqBase = FIXED_FIELDS.length;
    this.resBase = this.reqBase + this.nReq;
    this.requestSlot = names.length - 1;
    this.zoneOffset = zoneOffsetReader(options.timeZone);
  }

  decode(src: string, start: number, end: number): DecodeOutcome {
    const ev = this.event;
    const starts = ev.starts;
    const ends = ev.ends;
    starts.fill(-1);
    this.extras = 0;
    let p = start;
    let zoneOffset = NaN;
    // The header: RFC 5424, RFC 3164 (or none) before "tag[pid]: ", or nothing at all.
    if (src.charCodeAt(p) === 60) {
      const h = this.rfc5424(src, p, end);
      if (h < 0) return NO_MATCH;
      zoneOffset = this.offset5424;
      set(starts, ends, SYSLOG, p, h);
      p = h;
    } else {
      const anchor = tagAnchor(src, p, end, this.nextAnchor);
      if (anchor >= 0) {
        // `anchor` is the `]` of "tag[pid]: ".
        const tag = ANCHOR.tag;
        if (tag > p) set(starts, ends, SYSLOG, p, tag);
        set(starts, ends, PROCESS, tag, anchor + 1);
        this.processEnd = anchor + 3;
        p = anchor + 3;
      }
    }
    // ci:cp
    let sp = src.indexOf(' ', p);
    if (sp < 0 || sp >= end) return NO_MATCH;
    if (isDash(src, p, sp)) return NO_MATCH;
    const colon = portColon(src, p, sp);
    if (colon < 0 || !(addressLike(src, p, colon) || isDash(src, p, colon) || src.startsWith('unix', p))) return NO_MATCH;
    set(starts, ends, CLIENT_IP, p, colon);
    set(starts, ends, CLIENT_PORT, colon + 1, sp);
    p = sp + 1;
    // [accept date]
    if (src.charCodeAt(p) !== 91) return NO_MATCH;
    const close = src.indexOf('] ', p);
    if (close < 0 || close >= end || close - p > 40) return NO_MATCH;
    set(starts, ends, ACCEPT_DATE, p + 1, close);
    p = close + 2;
    // frontend backend/server
    p = this.word(src, p, end, 5, 32);
    if (p < 0) return NO_MATCH;
    sp = src.indexOf(' ', p);
    const slash = src.indexOf('/', p);
    if (sp < 0 || sp >= end || slash < 0 || slash > sp) return NO_MATCH;
    set(starts, ends, 6, p, slash);
    set(starts, ends, 7, slash + 1, sp);
    p = sp + 1;
    // TR/Tw/Tc/Tr/Ta (Ta may have logasap's +)
    p = this.slashed(src, p, end, 8, 5, true);
    if (p < 0) return NO_MATCH;
    // status, bytes (+ with logasap)
    p = this.word(src, p, end, 13, 4, signedInt);
    if (p < 0) return NO_MATCH;
    p = this.word(src, p, end, 14, 20, countPlus, true);
    if (p < 0) return NO_MATCH;
    // captured cookies, termination state
    p = this.word(src, p, end, 15, 1024);
    if (p < 0) return NO_MATCH;
    p = this.word(src, p, end, 16, 1024);
    if (p < 0) return NO_MATCH;
    p = this.word(src, p, end, 17, 4, termState);
    if (p < 0) return NO_MATCH;
    // actconn/feconn/beconn/srv_conn/retries, srv_queue/backend_queue
    p = this.slashed(src, p, end, 18, 5, true);
    if (p < 0) return NO_MATCH;
    p = this.slashed(src, p, end, 23, 2, false);
    if (p < 0) return NO_MATCH;
    // {captured request headers} {captured response headers}
    let blocks = 0;
    const blockStart = [0, 0];
    const blockEnd = [0, 0];
    while (src.charCodeAt(p) === 123 && blocks < 2) {
      const b = src.indexOf('} ', p);
      if (b < 0 || b >= end) return NO_MATCH;
      blockStart[blocks] = p + 1;
      blockEnd[blocks] = b;
      blocks++;
      p = b + 2;
    }
    // With one block, the options say whose it is.
    let reqBlock = -1;
    let resBlock = -1;
    if (blocks === 2) (reqBlock = 0), (resBlock = 1);
    else if (blocks === 1) {
      if (this.nReq === 0 && this.nRes > 0) resBlock = 0;
      else reqBlock = 0;
    }
    if (reqBlock >= 0) this.captures(src, blockStart[reqBlock]!, blockEnd[reqBlock]!, this.reqBase, this.nReq);
    if (resBlock >= 0) this.captures(src, blockStart[resBlock]!, blockEnd[resBlock]!, this.resBase, this.nRes);
    // "request", always last (possibly truncated by the syslog buffer).
    if (src.charCodeAt(p) !== 34 || src.charCodeAt(end - 1) !== 34 || end - 1 <= p) return NO_MATCH;
    set(starts, ends, this.requestSlot, p + 1, end - 1);
    ev.src = src;
    ev.lineStart = start;
    ev.lineEnd = end;
    ev.visitorId = undefined;
    const local = this.readDate(src, starts[ACCEPT_DATE]!, ends[ACCEPT_DATE]!);
    const time = Number.isNaN(local) ? NaN : local - (Number.isNaN(zoneOffset) ? this.zoneOffset(local) : zoneOffset);
    ev.time = time;
    ev.timeFromInput = !Number.isNaN(time);
    ev.timeSlot = ev.timeFromInput ? ACCEPT_DATE : -1;
    return MATCH;
  }

  private offset5424 = NaN;
  private readonly nextAnchor = new NextIndex(']: ');
  private readonly nextBar = new NextIndex('|');

  /** An RFC 5424 header at `p` (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD `): the index after it, or -1. Sets the zone offset. */
  private rfc5424(src: string, p: number, end: number): number {
    const gt = src.indexOf('>', p);
    if (gt < 0 || gt > p + 4 || src.charCodeAt(gt + 1) !== 49 || src.charCodeAt(gt + 2) !== 32) return -1;
    let q = gt + 3;
    const tsEnd = src.indexOf(' ', q);
    if (tsEnd < 0 || tsEnd >= end) return -1;
    // The zone of the header is HAProxy's local zone.
    const utc = this.readIso(src, q, tsEnd);
    const z = src.charCodeAt(tsEnd - 1) === 90 ? 0 : (() => {
      const sign = src.charCodeAt(tsEnd - 6) === 43 ? 1 : -1;
      return sign * (Number(src.slice(tsEnd - 5, tsEnd - 3)) * 60 + Number(src.slice(tsEnd - 2, tsEnd))) * 60_000;
    })();
    this.offset5424 = Number.isNaN(utc) ? NaN : z;
    q = tsEnd + 1;
    // HOST APP PROCID MSGID
    for (let k = 0; k < 4; k++) {
      const sp = src.indexOf(' ', q);
      if (sp < 0 || sp >= end) return -1;
      q = sp + 1;
    }
    // SD: "-", one or more [..] elements, or (as HAProxy's own examples show) a word.
    if (src.charCodeAt(q) === 91) {
      while (src.charCodeAt(q) === 91) {
        let inQuote = false;
        let k = q + 1;
        for (; k < end; k++) {
          const c = src.charCodeAt(k);
          if (c === 92) k++;
          else if (c === 34) inQuote = !inQuote;
          else if (c === 93 && !inQuote) break;
        }
        if (k >= end) return -1;
        q = k + 1;
      }
      if (src.charCodeAt(q) !== 32) return -1;
      return q + 1;
    }
    const sp = src.indexOf(' ', q);
    return sp < 0 || sp >= end ? -1 : sp + 1;
  }

  /** A space-terminated word into `slot`; `plus`: a leading + stays outside the field. */
  private word(src: string, p: number, end: number, slot: number, max: number, check?: (src: string, s: number, e: number) => boolean, plus = false): number {
    const sp = src.indexOf(' ', p);
    if (sp < 0 || sp >= end || sp - p > max || sp === p) return -1;
    const s = plus && src.charCodeAt(p) === 43 ? p + 1 : p;
    if (check !== undefined && !isDash(src, s, sp) && !check(src, s, sp)) return -1;
    set(this.event.starts, this.event.ends, slot, s, sp);
    return sp + 1;
  }

  /** `n` slash-separated numbers into slots from `slot` (the last may have a leading +). */
  private slashed(src: string, p: number, end: number, slot: number, n: number, lastPlus: boolean): number {
    const sp = src.indexOf(' ', p);
    if (sp < 0 || sp >= end) return -1;
    let q = p;
    for (let k = 0; k < n; k++) {
      const stop = k === n - 1 ? sp : src.indexOf('/', q);
      if (stop < 0 || stop > sp) return -1;
      let s = q;
      if (k === n - 1 && lastPlus && src.charCodeAt(s) === 43) s++;
      if (!isDash(src, s, stop) && !signedInt(src, s, stop)) return -1;
      set(this.event.starts, this.event.ends, slot + k, s, stop);
      q = stop + 1;
    }
    return sp + 1;
  }

  /** The `|`-separated values of a capture block into slots `base..base+n`; positions beyond are kept aside (dropped). */
  private captures(src: string, s: number, e: number, base: number, n: number): void {
    let k = 0;
    let q = s;
    for (;;) {
      let bar = this.nextBar.from(src, q);
      if (bar < 0 || bar > e) bar = e;
      // An empty capture is an absent value (the header was not sent).
      if (k < n) {
        if (bar > q) set(this.event.starts, this.event.ends, base + k, q, bar);
      }
      else if (this.extras < this.extraStarts.length) {
        this.extraStarts[this.extras] = q;
        this.extraEnds[this.extras++] = bar;
      }
      k++;
      if (bar >= e) break;
      q = bar + 1;
    }
  }

  encode(ev: Event): string {
    const src = ev.src;
    const outs = ev.out;
    const starts = ev.starts;
    // Edits as (start, end, text), applied in the order they sit in the line.
    const edits: [number, number, string][] = [];
    // The header and the tag: dropping the header leaves the form HAProxy's manual prints (tag first);
    // dropping the tag leaves the raw form (address first) — HAProxy writes both.
    const processGone = starts[PROCESS]! >= 0 && outs[PROCESS] !== UNCHANGED && valueText(outs[PROCESS]!) === undefined;
    if (starts[SYSLOG]! >= 0 && (outs[SYSLOG] !== UNCHANGED || processGone)) edits.push([starts[SYSLOG]!, ev.ends[SYSLOG]!, '']);
    if (starts[PROCESS]! >= 0 && outs[PROCESS] !== UNCHANGED) {
      if (processGone) edits.push([starts[PROCESS]!, this.processEnd, '']);
      else edits.push([starts[PROCESS]!, ev.ends[PROCESS]!, plainValue(valueText(outs[PROCESS]!)!)]);
    }
    // ci:cp — a dropped port leaves the colon (`81.6.12.0:`), so the line keeps its shape.
    const ip = outs[CLIENT_IP]!;
    const port = outs[CLIENT_PORT]!;
    if (ip !== UNCHANGED || port !== UNCHANGED) {
      const ipText = ip === UNCHANGED ? ev.raw(CLIENT_IP)! : (valueText(ip) ?? '-');
      const portText = port === UNCHANGED ? ev.raw(CLIENT_PORT)! : (valueText(port) ?? '');
      edits.push([starts[CLIENT_IP]!, ev.ends[CLIENT_PORT]!, `${plainValue(ipText)}:${/^\d{0,5}$/.test(portText) ? portText : ''}`]);
    }
    const n = outs.length;
    for (let slot = ACCEPT_DATE; slot < n; slot++) {
      const s = starts[slot]!;
      if (s < 0) continue;
      const o = outs[slot]!;
      if (o === UNCHANGED) continue;
      const v = valueText(o);
      if (slot >= this.reqBase && slot < this.requestSlot) edits.push([s, ev.ends[slot]!, v === undefined ? '' : hashEscape(v, true)]);
      else if (slot === this.requestSlot) edits.push([s, ev.ends[slot]!, v === undefined ? '-' : hashEscape(v, false)]);
      else edits.push([s, ev.ends[slot]!, v === undefined ? '-' : plainValue(v)]);
    }
    // Capture positions nobody named: dropped (written empty).
    for (let k = 0; k < this.extras; k++) if (this.extraEnds[k]! > this.extraStarts[k]!) edits.push([this.extraStarts[k]!, this.extraEnds[k]!, '']);
    if (edits.length === 0) return src.slice(ev.lineStart, ev.lineEnd);
    edits.sort((a, b) => a[0] - b[0]);
    let out = '';
    let copied = ev.lineStart;
    for (const [s, e, text] of edits) {
      out += src.slice(copied, s) + text;
      copied = e;
    }
    return out + src.slice(copied, ev.lineEnd);
  }
}

function set(starts: Int32Array, ends: Int32Array, slot: number, s: number, e: number): void {
  starts[slot] = s;
  ends[slot] = e;
}

/** The index of `]` of a `tag[pid]: ` anchor near the start of the line (the tag starts after the last space before it), or -1. */
function tagAnchor(src: string, start: number, end: number, next: NextIndex): number {
  const limit = Math.min(end, start + 300);
  let at = next.from(src, start);
  while (at >= 0 && at < limit) {
    // digits back to '['
    let k = at - 1;
    while (k > start && src.charCodeAt(k) >= 48 && src.charCodeAt(k) <= 57) k--;
    if (k < at - 1 && src.charCodeAt(k) === 91) {
      let t = k - 1;
      while (t >= start && src.charCodeAt(t) !== 32) t--;
      if (t + 1 < k) {
        ANCHOR.tag = t + 1;
        return at;
      }
    }
    at = src.indexOf(']: ', at + 1);
  }
  return -1;
}
/** Where the tag of the last anchor found starts. */
const ANCHOR = { tag: 0 };

function valueText(o: FieldOutput): string | undefined {
  if (o === DROPPED || o === UNCHANGED) return undefined;
  if (typeof o === 'string') return o.length === 0 ? undefined : o;
  if (typeof o === 'number' || typeof o === 'boolean') return String(o);
  return undefined;
}

const HEXD = '0123456789ABCDEF';

/** HAProxy's escaping (section 8.6): `"`, `#`-less control bytes as `#XX`; in captures also `{`, `|`, `}`. */
function hashEscape(v: string, capture: boolean): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 32 || c === 127 || c === 34 || (capture && (c === 123 || c === 124 || c === 125))) {
      out += v.slice(from, i) + '#' + HEXD[c >> 4]! + HEXD[c & 15]!;
      from = i + 1;
    }
  }
  return from === 0 ? v : out + v.slice(from);
}

function signedInt(src: string, s: number, e: number): boolean {
  let i = s;
  if (src.charCodeAt(i) === 45) i++;
  if (i >= e || e - i > 20) return false;
  for (; i < e; i++) {
    const c = src.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function countPlus(src: string, s: number, e: number): boolean {
  return signedInt(src, s, e);
}

/** A termination state: four characters of letters and `-` (`----`, `CR--`, `SC--`). */
function termState(src: string, s: number, e: number): boolean {
  if (e - s !== 4) return false;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45)) return false;
  }
  return true;
}
