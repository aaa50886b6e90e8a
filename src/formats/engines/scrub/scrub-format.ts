/**
 * What `input.unparsed: scrub` reads a line that no format decoded as: the
 * whole line is one free-text field (role `message`, so the policy's free-text
 * redaction applies), and its time is looked for in the text — a CLF
 * `[10/Oct/2000:13:55:36 -0700]` or an ISO 8601 stamp — so the line passes
 * the same retention gate as every other (a line whose time cannot be found
 * follows input.missing_timestamp).
 */
import { Event, FieldLayout, UNCHANGED } from '../../../event/event.js';
import { parseClfTime, parseIsoTime } from '../../../time/parse-timestamp.js';
import { type DecodeOutcome, type Format, MATCH } from '../../format.js';

const CLF_TIME = /\[(\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\]/;
const ISO_TIME = /\b(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)/;
/** A scrubbed line is searched for its time only this far in (times come first in every common layout). */
const TIME_SEARCH = 512;

/** The name of the scrub format: what the events of unparseable lines are encoded by. */
export const SCRUBBED = '(scrubbed)';

/**
 * @example
 * const f = new ScrubFormat();
 * f.decode(line, 0, line.length); f.event.time // from the line, or NaN
 */
export class ScrubFormat implements Format {
  readonly name = SCRUBBED;
  readonly event = new Event(new FieldLayout(['message'], ['message']));

  decode(src: string, start: number, end: number): DecodeOutcome {
    const ev = this.event;
    ev.src = src;
    ev.lineStart = start;
    ev.lineEnd = end;
    ev.starts[0] = start;
    ev.ends[0] = end;
    ev.visitorId = undefined;
    ev.timeSlot = -1;
    const head = src.slice(start, Math.min(end, start + TIME_SEARCH));
    const clf = CLF_TIME.exec(head);
    let time = clf !== null ? parseClfTime(clf[1]!) : NaN;
    if (Number.isNaN(time)) {
      const iso = ISO_TIME.exec(head);
      if (iso !== null) time = parseIsoTime(iso[1]!.replace(' ', 'T'));
    }
    ev.time = time;
    ev.timeFromInput = !Number.isNaN(time);
    return MATCH;
  }

  encode(ev: Event): string {
    const o = ev.out[0];
    return o === UNCHANGED ? ev.src.slice(ev.lineStart, ev.lineEnd) : typeof o === 'string' ? o : '-';
  }
}
