/**
 * The one record type that flows from a format's parser through the
 * transforms to its serialiser. It is reused line after line (reset, not
 * reallocated) because the pipeline handles a million lines a second.
 */

/**
 * What a field means, whatever it is called in a given format. Roles let
 * derived values (the visitor id, and the aggregates) find the client
 * address or user agent in nginx text, Apache text and JSON alike.
 */
export const ROLES = [
  'client_ip',
  'forwarded_for',
  'user',
  'session',
  'email',
  'time',
  'request',
  'method',
  'path',
  'status',
  'bytes',
  'referer',
  'user_agent',
  'host',
  'duration',
  'message',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles of well-known field names (nginx variables, Apache and common JSON
 * logger names). A policy can override any of them with `role:`.
 */
export const ROLE_OF_NAME: Readonly<Record<string, Role>> = {
  remote_addr: 'client_ip', client_ip: 'client_ip', clientip: 'client_ip', clientIp: 'client_ip', ip: 'client_ip',
  realip_remote_addr: 'client_ip', 'c-ip': 'client_ip', client_addr: 'client_ip',
  http_x_forwarded_for: 'forwarded_for', x_forwarded_for: 'forwarded_for', forwarded_for: 'forwarded_for', xff: 'forwarded_for',
  remote_user: 'user', remote_logname: 'user', user_id: 'user', userId: 'user', user: 'user', username: 'user', uid: 'user',
  session_id: 'session', sessionId: 'session', session: 'session',
  email: 'email', user_email: 'email', mail: 'email',
  time_local: 'time', time_iso8601: 'time', msec: 'time', time: 'time', timestamp: 'time', '@timestamp': 'time', ts: 'time',
  request: 'request',
  request_method: 'method', method: 'method',
  request_uri: 'path', uri: 'path', path: 'path', url: 'path',
  status: 'status', status_code: 'status', statusCode: 'status',
  body_bytes_sent: 'bytes', bytes_sent: 'bytes', bytes: 'bytes', response_size: 'bytes',
  http_referer: 'referer', referer: 'referer', referrer: 'referer',
  http_user_agent: 'user_agent', user_agent: 'user_agent', userAgent: 'user_agent', ua: 'user_agent',
  host: 'host', http_host: 'host', server_name: 'host', vhost: 'host',
  request_time: 'duration', upstream_response_time: 'duration', duration: 'duration', response_time: 'duration',
  message: 'message', msg: 'message',
};

/**
 * One event while it is being anonymised.
 *
 * Text formats do not copy their fields out of the input: they record each
 * field's range in `src` (the chunk the line sits in) and slice a value only
 * when a transform needs it. JSON records hold parsed values in `raw`.
 *
 * @example
 * const rec = new LogRecord(9, { client_ip: [0] });
 * rec.src = line; rec.starts[0] = 0; rec.ends[0] = 10;
 * rec.value(0) // the first field's text
 */
export class LogRecord {
  /** Event time, ms since the Unix epoch (UTC); NaN until found. */
  time = NaN;
  /** Text formats: the string the line's fields are in. */
  src = '';
  /** Text formats: the same text as bytes (one per character), when the chunk was ASCII; scanners read these instead of the string. */
  bytes: Uint8Array | undefined = undefined;
  /** A DataView of `bytes`, for hashing fields four bytes at a time. */
  byteView: DataView | undefined = undefined;
  /** Byte offset of `src[0]` in `bytes`. */
  byteBase = 0;
  /** Text formats: each field's range in `src`; -1 when the field is absent. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** JSON: field values as parsed, by slot; undefined when absent. */
  readonly raw: unknown[];
  /** The visitor id, computed on first use from the raw client address, user agent and host. */
  visitorId: string | undefined;

  /**
   * @param slots how many fields the format's layout has
   * @param roleSlots where each role's fields sit in the layout (first present wins), for derived values
   * @param textual whether fields are ranges of `src` (text formats) or values in `raw` (JSON)
   */
  constructor(
    readonly slots: number,
    readonly roleSlots: Readonly<Partial<Record<Role, readonly number[]>>> = {},
    readonly textual = false,
  ) {
    this.starts = new Int32Array(slots).fill(-1);
    this.ends = new Int32Array(slots).fill(-1);
    this.raw = new Array<unknown>(slots).fill(undefined);
  }

  /** The raw text of field `slot`, or undefined when absent or not a string. */
  value(slot: number): string | undefined {
    if (this.textual) {
      const s = this.starts[slot]!;
      return s < 0 ? undefined : this.src.slice(s, this.ends[slot]);
    }
    const v = this.raw[slot];
    return typeof v === 'string' ? v : undefined;
  }

  /** The raw value of the first present field with `role`, when it is text. */
  rawOf(role: Role): string | undefined {
    const slots = this.roleSlots[role];
    if (slots === undefined) return undefined;
    for (const slot of slots) {
      const v = this.value(slot);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}
