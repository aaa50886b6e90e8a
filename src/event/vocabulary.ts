/**
 * The vocabulary every format, transform and consumer shares: what a field
 * can mean (its role), which well-known field names have which role, and
 * the shape a kept value of a role may have.
 *
 * A role says what a field means whatever a format calls it, so derived
 * values (the visitor id, the aggregates' dimensions), pseudonym namespaces
 * and the checks on kept values work the same for nginx text, CloudFront
 * TSV and Caddy JSON alike.
 */
import { isIbanAt } from '../util/iban.js';
import { isTimestampAt } from '../time/parse-timestamp.js';
import { luhnValid } from '../util/luhn.js';

/** Every role a field can have. */
export const ROLES = [
  // who: addresses and identities
  'client_ip',
  'forwarded_for',
  'server_ip',
  'client_port',
  'server_port',
  'user',
  'account',
  'session',
  'email',
  'device',
  'subscriber',
  'imsi',
  'imei',
  'identifier',
  'cell',
  // when
  'time',
  'date',
  'time_of_day',
  'duration',
  // what
  'request',
  'method',
  'path',
  'url',
  // a URL's query string on its own, without the `?` (W3C cs-uri-query, nginx $args)
  'query',
  'protocol',
  // which way traffic went: a flow log's ingress/egress, a CDR's mo/mt (a closed vocabulary in the aggregates)
  'direction',
  'status',
  'bytes',
  'bytes_in',
  'bytes_out',
  'referer',
  'user_agent',
  'host',
  'message',
  // a category kept as it is (a cache result, a cipher, an edge location): a short token, never an address or identifier
  'dimension',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles of well-known field names (nginx variables, Apache and common JSON
 * logger names). A policy can override any of them with `role:`; formats
 * declare the roles of their own field names beside their layouts.
 */
export const ROLE_OF_NAME: Readonly<Record<string, Role>> = {
  remote_addr: 'client_ip', client_ip: 'client_ip', clientip: 'client_ip', clientIp: 'client_ip', ip: 'client_ip',
  realip_remote_addr: 'client_ip', 'c-ip': 'client_ip', client_addr: 'client_ip',
  http_x_forwarded_for: 'forwarded_for', x_forwarded_for: 'forwarded_for', forwarded_for: 'forwarded_for', xff: 'forwarded_for',
  server_addr: 'server_ip', server_ip: 'server_ip', 's-ip': 'server_ip',
  remote_port: 'client_port', client_port: 'client_port', 'c-port': 'client_port',
  server_port: 'server_port', 's-port': 'server_port',
  remote_user: 'user', remote_logname: 'user', user_id: 'user', userId: 'user', user: 'user', username: 'user', uid: 'user', 'cs-username': 'user',
  account_id: 'account', accountId: 'account',
  session_id: 'session', sessionId: 'session', session: 'session',
  email: 'email', user_email: 'email', mail: 'email',
  device_id: 'device', deviceId: 'device',
  msisdn: 'subscriber', imsi: 'imsi', imei: 'imei', imeisv: 'imei',
  request_id: 'identifier', requestId: 'identifier', trace_id: 'identifier', traceId: 'identifier',
  cell_id: 'cell', cellId: 'cell',
  time_local: 'time', time_iso8601: 'time', msec: 'time', time: 'time', timestamp: 'time', '@timestamp': 'time', ts: 'time',
  date: 'date',
  request_time: 'duration', upstream_response_time: 'duration', duration: 'duration', response_time: 'duration', 'time-taken': 'duration',
  request: 'request',
  request_method: 'method', method: 'method', 'cs-method': 'method',
  request_uri: 'path', uri: 'path', path: 'path', 'cs-uri-stem': 'path',
  url: 'url',
  args: 'query', query_string: 'query', 'cs-uri-query': 'query',
  server_protocol: 'protocol', protocol: 'protocol',
  direction: 'direction', 'flow-direction': 'direction', flow_direction: 'direction',
  status: 'status', status_code: 'status', statusCode: 'status', 'sc-status': 'status',
  body_bytes_sent: 'bytes', bytes_sent: 'bytes', bytes: 'bytes', response_size: 'bytes', 'sc-bytes': 'bytes_out',
  request_length: 'bytes_in', 'cs-bytes': 'bytes_in', bytes_in: 'bytes_in', bytes_out: 'bytes_out',
  http_referer: 'referer', referer: 'referer', referrer: 'referer', 'cs(Referer)': 'referer',
  http_user_agent: 'user_agent', user_agent: 'user_agent', userAgent: 'user_agent', ua: 'user_agent', 'cs(User-Agent)': 'user_agent',
  host: 'host', http_host: 'host', server_name: 'host', vhost: 'host', 'cs-host': 'host',
  message: 'message', msg: 'message',
};

/**
 * A field's role: the policy's `role:`, else the well-known meaning of its name.
 *
 * @example
 * roleOfName('http_x_forwarded_for') // 'forwarded_for'
 * roleOfName('code', 'status')       // 'status'
 */
export function roleOfName(name: string, declared?: Role): Role | undefined {
  return declared ?? (Object.hasOwn(ROLE_OF_NAME, name) ? ROLE_OF_NAME[name] : undefined);
}

/**
 * What a kept value of a role may look like, for text held as a range of a
 * string (`text`) and for a parsed JSON value (`value`). `keep` copies a
 * field verbatim, so for every field whose meaning fixes its shape a value
 * of any other shape — a JSON `"status": "jo@example.com"`, a list in a time
 * field, a phone number where a duration belongs — is dropped and counted.
 */
export interface Shape {
  /** What the shape is, for check-config: "a byte count". */
  readonly noun: string;
  /** Whether `v[s..e)` has the shape. */
  text(v: string, s: number, e: number): boolean;
  /** Whether a parsed value (JSON) has the shape, its type included. */
  value(v: unknown): boolean;
}

function charClass(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}
const DIGIT = charClass('0123456789');
const UPPER = charClass('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
const PROTOCOL = charClass('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./-_');
const HOST = charClass('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_');

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

/** Digits only, `min`..`max` of them. */
function digits(v: string, s: number, e: number, min: number, max: number): boolean {
  return e - s >= min && e - s <= max && allOf(v, s, e, DIGIT);
}

/**
 * A duration: seconds or milliseconds as a decimal (`0.012`, `153`), or
 * nginx's list of upstream times (`0.012, 0.004 : 0.003`, `-` for none).
 * At most 7 integer digits and one fraction of at most 6: a phone number
 * (10+ digits), a personal identity number (a dash and 10–12 digits) or an
 * IPv4 address (three dots) is not a duration.
 */
function durationText(v: string, s: number, e: number): boolean {
  if (e - s < 1 || e - s > 128) return false;
  let i = s;
  for (;;) {
    // one item
    if (isDash(v, i, Math.min(e, i + 1)) && (i + 1 === e || v.charCodeAt(i + 1) === 44 || v.charCodeAt(i + 1) === 32)) {
      i++;
    } else if (v.charCodeAt(i) === 45 && v.charCodeAt(i + 1) === 49 && (i + 2 === e || v.charCodeAt(i + 2) === 44 || v.charCodeAt(i + 2) === 32)) {
      // -1: "not measured" (AWS load balancers, HAProxy timers)
      i += 2;
    } else {
      let int = 0;
      while (i < e && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) (i++, int++);
      if (int < 1 || int > 7) return false;
      if (i < e && v.charCodeAt(i) === 46) {
        i++;
        let frac = 0;
        while (i < e && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) (i++, frac++);
        if (frac < 1 || frac > 6) return false;
      }
      // an optional unit: 12ms, 0.5s
      if (i + 1 < e + 1 && v.charCodeAt(i) === 109 && v.charCodeAt(i + 1) === 115) i += 2;
      else if (i < e && v.charCodeAt(i) === 115) i++;
    }
    if (i === e) return true;
    // separators nginx writes between upstream times: ", " and " : "
    if (v.startsWith(', ', i)) i += 2;
    else if (v.startsWith(' : ', i)) i += 3;
    else return false;
  }
}

/**
 * A protocol name or version: `HTTP/2.0`, `TLSv1.3`, `h2`, `https`, or an
 * IANA protocol number (`6`). At most one dot and three digits in a row, so
 * an address (`81.6.12.34`) or a number is not one.
 */
function protocolText(v: string, s: number, e: number): boolean {
  if (e - s < 1 || e - s > 16 || !allOf(v, s, e, PROTOCOL)) return false;
  let dots = 0;
  let run = 0;
  for (let i = s; i < e; i++) {
    const c = v.charCodeAt(i);
    if (c === 46 && ++dots > 1) return false;
    run = c >= 48 && c <= 57 ? run + 1 : 0;
    if (run > 3) return false;
  }
  return true;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A DNS host name with an optional port; never an IP literal (an address is not a host to keep). */
function hostText(v: string, s: number, e: number): boolean {
  let end = e;
  const colon = v.lastIndexOf(':', e - 1);
  if (colon >= s) {
    if (!digits(v, colon + 1, e, 1, 5)) return false;
    end = colon;
  }
  if (end - s < 1 || end - s > 253 || !allOf(v, s, end, HOST)) return false;
  // A DNS label is at most 63 characters (RFC 1035): a 64-hex id is not a host name;
  // nor is a label that is a bank account number (an IBAN with a valid check).
  for (let i = s, label = 0; i <= end; i++) {
    if (i === end || v.charCodeAt(i) === 46) {
      if (label >= 15 && isIbanAt(v, i - label, i)) return false;
      label = 0;
    } else if (++label > 63) return false;
  }
  // A dotted quad (or any all-numeric name) is an address, not a host name.
  let letter = false;
  for (let i = s; i < end && !letter; i++) {
    const c = v.charCodeAt(i) | 0x20;
    letter = c >= 97 && c <= 122;
  }
  return letter;
}

function textShape(noun: string, text: (v: string, s: number, e: number) => boolean, numbers?: (n: number) => boolean): Shape {
  return {
    noun,
    text,
    value: (v) => (typeof v === 'string' ? text(v, 0, v.length) : numbers !== undefined && isFiniteNumber(v) && numbers(v)),
  };
}

const orDash =
  (f: (v: string, s: number, e: number) => boolean) =>
  (v: string, s: number, e: number): boolean =>
    isDash(v, s, e) || f(v, s, e);

/** Unix seconds, milliseconds, microseconds or nanoseconds (Cloudflare's unixnano) between 2000 and 2100: a plausible event time written as a number. */
function plausibleEpochNumber(n: number): boolean {
  for (let scale = 1; scale <= 1e9; scale *= 1000) if (n >= 946_684_800 * scale && n < 4_102_444_800 * scale) return true;
  return false;
}

const isoDate = (v: string, s: number, e: number): boolean =>
  e - s === 10 && digits(v, s, s + 4, 4, 4) && v.charCodeAt(s + 4) === 45 && digits(v, s + 5, s + 7, 2, 2) && v.charCodeAt(s + 7) === 45 && digits(v, s + 8, e, 2, 2);
const timeOfDay = (v: string, s: number, e: number): boolean =>
  e - s >= 8 && e - s <= 15 && digits(v, s, s + 2, 2, 2) && v.charCodeAt(s + 2) === 58 && digits(v, s + 3, s + 5, 2, 2) && v.charCodeAt(s + 5) === 58 && digits(v, s + 6, s + 8, 2, 2) && (e - s === 8 || (v.charCodeAt(s + 8) === 46 && digits(v, s + 9, e, 1, 6)));

const DIMENSION = charClass('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-:/+,=*|;()[]<>~ ');
const HEX = charClass('0123456789abcdefABCDEF');

const isDigitAt = (v: string, i: number): boolean => v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57;

/**
 * Whether `v[s..e)` holds a Swedish personal identity or coordination number
 * written with a separator (`811218-9876`, `19811218+9876`): six or eight
 * digits that are a date, `-`, `+` or a space (IIS writes `+` for one),
 * four digits, and the Luhn check over
 * the ten. The digit-run rule of {@link dimensionText} does not see it.
 */
function hasSplitPersonalNumber(v: string, s: number, e: number): boolean {
  for (let i = s + 6; i + 4 < e; i++) {
    const c = v.charCodeAt(i);
    if (c !== 45 && c !== 43 && c !== 32) continue;
    let a = i;
    while (a > s && isDigitAt(v, a - 1)) a--;
    const n = i - a;
    if ((n !== 6 && n !== 8) || (i + 5 < e && isDigitAt(v, i + 5))) continue;
    let tail = true;
    for (let k = i + 1; k <= i + 4; k++) tail &&= isDigitAt(v, k);
    if (!tail) continue;
    const ds: number[] = [];
    for (let k = i - 6; k < i; k++) ds.push(v.charCodeAt(k));
    for (let k = i + 1; k <= i + 4; k++) ds.push(v.charCodeAt(k));
    const month = (ds[2]! - 48) * 10 + ds[3]! - 48;
    const day = ((ds[4]! - 48) * 10 + ds[5]! - 48) % 60;
    if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && luhnValid(ds)) return true;
  }
  return false;
}

/**
 * A category kept as it is: at most 96 printable ASCII characters of a
 * small set (no `@`, quote, `?`, `&`, `%` or control character), no leading,
 * trailing or double space, and nothing that names a person or a machine —
 * no IPv4 or IPv6 address, no run of 9 or more digits (phone, account and
 * identity numbers), no personal identity number with its separator, no run
 * of 12 or more hex digits (request ids, hashes, UUID parts) and no AWS
 * access key id.
 */
function dimensionText(v: string, s: number, e: number): boolean {
  if (e - s < 1 || e - s > 96 || !allOf(v, s, e, DIMENSION)) return false;
  if (v.charCodeAt(s) === 32 || v.charCodeAt(e - 1) === 32) return false;
  let digitRun = 0;
  let hexRun = 0;
  let colons = 0;
  let dots = 0;
  let quadDigits = 0;
  for (let i = s; i < e; i++) {
    const c = v.charCodeAt(i);
    if (c === 32 && v.charCodeAt(i - 1) === 32) return false;
    digitRun = c >= 48 && c <= 57 ? digitRun + 1 : 0;
    hexRun = HEX[c] === 1 ? hexRun + 1 : 0;
    if (digitRun >= 9 || hexRun >= 12) return false;
    // An IPv4 address: four dot-separated runs of 1–3 digits.
    if (c >= 48 && c <= 57) quadDigits++;
    else if (c === 46 && quadDigits >= 1 && quadDigits <= 3) {
      if (++dots === 3 && i + 1 < e && v.charCodeAt(i + 1) >= 48 && v.charCodeAt(i + 1) <= 57) return false;
      quadDigits = 0;
    } else {
      dots = 0;
      quadDigits = 0;
    }
    // An IPv6 address: two or more colons among hex digits (a cipher or an AZ id has at most one).
    if (c === 58) {
      if (++colons >= 2 && looksIpv6(v, s, e)) return false;
    }
  }
  // AWS access key ids: AKIA/ASIA/AIDA/AROA + 16 upper-case letters and digits.
  for (let i = s; i + 20 <= e; i++) {
    if (v.charCodeAt(i) === 65 && (v.startsWith('AKIA', i) || v.startsWith('ASIA', i) || v.startsWith('AIDA', i) || v.startsWith('AROA', i))) {
      let k = i + 4;
      while (k < i + 20 && ((v.charCodeAt(k) >= 65 && v.charCodeAt(k) <= 90) || (v.charCodeAt(k) >= 48 && v.charCodeAt(k) <= 57))) k++;
      if (k === i + 20) return false;
    }
  }
  return !hasSplitPersonalNumber(v, s, e);
}

/** Whether some space/comma-separated part of `v[s..e)` is made of hex digits, colons and dots only, with two colons or more. */
function looksIpv6(v: string, s: number, e: number): boolean {
  let colons = 0;
  let ok = true;
  for (let i = s; i <= e; i++) {
    const c = i < e ? v.charCodeAt(i) : 32;
    if (c === 32 || c === 44 || c === 47) {
      if (ok && colons >= 2) return true;
      colons = 0;
      ok = true;
    } else if (c === 58) colons++;
    else if (HEX[c] !== 1 && c !== 46) ok = false;
  }
  return false;
}

/** A dimension held as a JSON value: a short token, a boolean, null, a number that is not an identifier, or a short list of those. */
function dimensionValue(v: unknown): boolean {
  if (Array.isArray(v)) return v.length <= 16 && v.every((e) => !Array.isArray(e) && dimensionValue(e));
  if (typeof v === 'string') return v.length === 0 || dimensionText(v, 0, v.length);
  if (typeof v === 'boolean' || v === null) return true;
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e8;
}

/**
 * The shape each role's kept values must have. Roles without an entry
 * (free text, addresses, identifiers) have no shape a `keep` could check:
 * a policy keeps those only by naming them, and `check-config` says so.
 */
export const ROLE_SHAPES: Readonly<Partial<Record<Role, Shape>>> = {
  time: textShape('a time', (v, s, e) => isDash(v, s, e) || isTimestampAt(v, s, e), plausibleEpochNumber),
  date: textShape('a date (YYYY-MM-DD)', orDash(isoDate)),
  time_of_day: textShape('a time of day (HH:MM:SS)', orDash(timeOfDay)),
  // 000 and 0: the client went away before a response (CloudFront, Azure Front Door); -1: none (HAProxy).
  status: textShape('a status code', orDash((v, s, e) => (digits(v, s, e, 3, 3) && (v.charCodeAt(s) !== 48 || (v.charCodeAt(s + 1) === 48 && v.charCodeAt(s + 2) === 48))) || (e - s === 1 && v.charCodeAt(s) === 48) || (e - s === 2 && v.charCodeAt(s) === 45 && v.charCodeAt(s + 1) === 49)), (n) => Number.isInteger(n) && ((n >= 100 && n <= 999) || n === 0 || n === -1)),
  bytes: textShape('a byte count', orDash((v, s, e) => digits(v, s, e, 1, 15)), (n) => Number.isInteger(n) && n >= 0 && n < 1e15),
  bytes_in: textShape('a byte count', orDash((v, s, e) => digits(v, s, e, 1, 15)), (n) => Number.isInteger(n) && n >= 0 && n < 1e15),
  bytes_out: textShape('a byte count', orDash((v, s, e) => digits(v, s, e, 1, 15)), (n) => Number.isInteger(n) && n >= 0 && n < 1e15),
  duration: textShape('a duration', durationText, (n) => n >= 0 && n < 1e7),
  method: textShape('a request method', orDash((v, s, e) => e - s >= 1 && e - s <= 16 && allOf(v, s, e, UPPER))),
  protocol: textShape('a protocol name', orDash(protocolText)),
  host: textShape('a host name (not an address)', orDash(hostText)),
  server_port: textShape('a port number', orDash((v, s, e) => digits(v, s, e, 1, 5) && Number(v.slice(s, e)) <= 65_535), (n) => Number.isInteger(n) && n >= 0 && n <= 65_535),
  // Empty is "no value" (JSON writes "" for a category that does not apply: no TLS, no backend).
  dimension: { noun: 'a short category token (no address, identifier or free text)', text: (v, s, e) => e === s || isDash(v, s, e) || dimensionText(v, s, e), value: dimensionValue },
  client_port: textShape('a port number', orDash((v, s, e) => digits(v, s, e, 1, 5) && Number(v.slice(s, e)) <= 65_535), (n) => Number.isInteger(n) && n >= 0 && n <= 65_535),
  // The same short category token as a dimension: the aggregates map it onto their closed vocabulary.
  direction: { noun: 'a direction (ingress, egress, mo, mt …)', text: (v, s, e) => e === s || isDash(v, s, e) || dimensionText(v, s, e), value: dimensionValue },
};

/**
 * The shape a kept value of `role` must have, or undefined when the role
 * fixes none.
 *
 * @example
 * shapeOf('status')?.value(46701234567) // false: not a status
 */
export function shapeOf(role: Role | undefined): Shape | undefined {
  return role === undefined ? undefined : ROLE_SHAPES[role];
}
