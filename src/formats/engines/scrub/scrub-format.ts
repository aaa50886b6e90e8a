/**
 * What `input.unparsed: scrub` reads a line that no format decoded as. Its
 * time is looked for in the text — a CLF `[10/Oct/2000:13:55:36 -0700]` or
 * an ISO 8601 stamp — so the line passes the same retention gate as every
 * other (a line whose time cannot be found follows input.missing_timestamp).
 *
 * A line of no known shape is one free-text field (role `message`: the
 * policy's free-text redaction applies). A line that is almost CLF —
 * `addr ident user [time] "…" … "…"`, but cut short, with a stray field or a
 * broken quote — is cut into the pieces CLF would have had, so that no
 * identifier passes in the clear just because the line did not parse: the
 * ident and user name (one or several words) become `-`, the quoted request
 * and URLs go through the URL rules (query values by allow-list, path
 * templates), user agents are generalised, and the rest is free text. Only
 * CLF-like lines are cut: splitting other text at its quotes would separate
 * a label from its value (`"password":"…"`) and hide it from the redactor.
 */
import { DROPPED, Event, FieldLayout, UNCHANGED } from '../../../event/event.js';
import type { Role } from '../../../event/vocabulary.js';
import { parseClfTime, parseIsoTime } from '../../../time/parse-timestamp.js';
import { type DecodeOutcome, type Format, MATCH } from '../../format.js';

const CLF_TIME = /\[(\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\]/;
const ISO_TIME = /\b(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)/;
/** A scrubbed line is searched for its time only this far in (times come first in every common layout). */
const TIME_SEARCH = 512;

/** Quoted strings of a CLF-like line read by their shape; the rest of the line after them is free text. */
const MAX_QUOTED = 6;
/** The part before the ident, and before and inside each quoted string, and the rest. */
const TEXT_SLOTS = 2 * MAX_QUOTED + 2;
const URL_SLOTS = 3;
const UA_SLOTS = 3;

/** The fields of a scrubbed line, and the rule of each (the scrub plan: what is not named here is dropped). */
const SLOTS: readonly { readonly name: string; readonly role: Role; readonly transform: string }[] = [
  // text_0 is the whole line when the line is not CLF-like.
  ...Array.from({ length: TEXT_SLOTS }, (_, i) => ({ name: i === 0 ? 'message' : `message_${i}`, role: 'message' as const, transform: 'redact' })),
  { name: 'remote_logname', role: 'user', transform: 'drop' },
  { name: 'remote_user', role: 'user', transform: 'drop' },
  { name: 'request', role: 'request', transform: 'redact' },
  ...Array.from({ length: URL_SLOTS }, (_, i) => ({ name: `url_${i}`, role: 'referer' as const, transform: 'redact' })),
  ...Array.from({ length: UA_SLOTS }, (_, i) => ({ name: `user_agent_${i}`, role: 'user_agent' as const, transform: 'generalise-user-agent' })),
];
const IDENT = TEXT_SLOTS;
const USER = TEXT_SLOTS + 1;
const REQUEST = TEXT_SLOTS + 2;
const FIRST_URL = REQUEST + 1;
const FIRST_UA = FIRST_URL + URL_SLOTS;

/**
 * The field rules a scrubbed line is anonymised by.
 *
 * @example
 * planFor(new ScrubFormat(), SCRUB_FIELD_RULES, ctx, registry, false)
 */
export const SCRUB_FIELD_RULES: Readonly<Record<string, { readonly transform: string }>> = Object.fromEntries(SLOTS.map((s) => [s.name, { transform: s.transform }]));

/** `GET /x HTTP/1.1`: a method, a space, a target. */
const REQUEST_SHAPE = /^[A-Z]{3,12} \S/;
/** An absolute URL or a path. */
const URL_SHAPE = /^(?:[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/|\/)/;
/** A product token with a version (`Mozilla/5.0`, `curl/8.5.0`, `MyApp/3.2 (…)`), or anything with a comment in parentheses. */
const UA_SHAPE = /^[A-Za-z][\w.!+-]*\/\S|\(/;

/** The name of the scrub format: what the events of unparseable lines are encoded by. */
export const SCRUBBED = '(scrubbed)';

/**
 * @example
 * const f = new ScrubFormat();
 * f.decode(line, 0, line.length); f.event.time // from the line, or NaN
 */
export class ScrubFormat implements Format {
  readonly name = SCRUBBED;
  readonly event = new Event(new FieldLayout(SLOTS.map((s) => s.name), SLOTS.map((s) => s.role)));
  /** Slots in use on this line, in line order (for encode). */
  private readonly order: number[] = [];

  decode(src: string, start: number, end: number): DecodeOutcome {
    const ev = this.event;
    ev.src = src;
    ev.lineStart = start;
    ev.lineEnd = end;
    ev.starts.fill(-1);
    ev.ends.fill(-1);
    ev.visitorId = undefined;
    ev.timeSlot = -1;
    this.order.length = 0;
    const head = src.slice(start, Math.min(end, start + TIME_SEARCH));
    const clf = CLF_TIME.exec(head);
    let time = clf !== null ? parseClfTime(clf[1]!) : NaN;
    if (Number.isNaN(time)) {
      const iso = ISO_TIME.exec(head);
      if (iso !== null) time = parseIsoTime(iso[1]!.replace(' ', 'T'));
    }
    ev.time = time;
    ev.timeFromInput = !Number.isNaN(time);
    if (clf === null || !this.cutClf(src, start, end, start + clf.index)) this.set(0, start, end);
    return MATCH;
  }

  encode(ev: Event): string {
    const order = this.order;
    let out = '';
    let copied = ev.lineStart;
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      const s = ev.starts[i]!;
      const o = ev.out[i]!;
      if (o === UNCHANGED) continue;
      out += ev.src.slice(copied, s) + (o === DROPPED || typeof o !== 'string' ? '-' : o);
      copied = ev.ends[i]!;
    }
    return out + ev.src.slice(copied, ev.lineEnd);
  }

  private set(slot: number, s: number, e: number): void {
    if (e <= s) return;
    this.event.starts[slot] = s;
    this.event.ends[slot] = e;
    this.order.push(slot);
  }

  /**
   * Cuts a CLF-like line whose time bracket opens at `bracket`: false when the
   * part before it is not `addr[ addr] ident user…`.
   */
  private cutClf(src: string, start: number, end: number, bracket: number): boolean {
    if (bracket - start < 4 || src.charCodeAt(bracket - 1) !== 32) return false;
    const tokens = src.slice(start, bracket - 1).split(' ');
    if (tokens.length < 3 || tokens.some((t) => t === '')) return false;
    // vhost_combined puts `host:port` (or `[v6]:port`) before the client address.
    const addresses = tokens.length >= 4 && /:\d{1,5}$/.test(tokens[0]!) ? 2 : 1;
    let pos = start;
    for (let k = 0; k < addresses; k++) pos += tokens[k]!.length + 1;
    this.set(0, start, pos - 1);
    this.set(IDENT, pos, pos + tokens[addresses]!.length);
    pos += tokens[addresses]!.length + 1;
    this.set(USER, pos, bracket - 1);
    let text = 1;
    let urls = 0;
    let uas = 0;
    let request = false;
    let from = bracket - 1;
    for (let q = 0; q < MAX_QUOTED; q++) {
      const open = src.indexOf('"', from + 1);
      if (open < 0 || open >= end) break;
      const close = closingQuote(src, open + 1, end);
      this.set(text++, from, open + 1);
      const value = src.slice(open + 1, close);
      let slot = -1;
      if (!request && REQUEST_SHAPE.test(value)) {
        slot = REQUEST;
        request = true;
      } else if (urls < URL_SLOTS && URL_SHAPE.test(value)) slot = FIRST_URL + urls++;
      else if (uas < UA_SLOTS && UA_SHAPE.test(value)) slot = FIRST_UA + uas++;
      else slot = text++;
      this.set(slot, open + 1, close);
      from = close;
      if (close >= end) break;
    }
    this.set(text, from, end);
    return true;
  }
}

/** The offset of the quote that closes a quoted value starting at `from` (`\"` and `\\` escaped), or `end` when it is not closed. */
function closingQuote(src: string, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i;
  }
  return end;
}
