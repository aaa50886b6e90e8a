/**
 * Log lines in the built-in text formats and JSON, stamped relative to a
 * clock so they stay inside the retention window of a test's injected now.
 */
import { HOUR } from './env.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * `$time_local` of `ms` in the zone `offsetMinutes` east of UTC:
 * `22/Nov/2026:12:00:00 +0000`.
 *
 * @example
 * clfTime(Date.UTC(2026, 10, 22, 12), 60) // '22/Nov/2026:13:00:00 +0100'
 */
export function clfTime(ms: number, offsetMinutes = 0): string {
  const t = new Date(ms + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(offsetMinutes);
  return `${pad(t.getUTCDate())}/${MONTHS[t.getUTCMonth()]}/${t.getUTCFullYear()}:${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${sign}${pad(Math.floor(off / 60))}${pad(off % 60)}`;
}

/** `$time_iso8601` of `ms` in UTC, without milliseconds: `2026-11-22T12:00:00+00:00`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

export interface AccessFields {
  remote_addr?: string;
  remote_logname?: string;
  remote_user?: string;
  time?: number;
  request?: string;
  status?: string;
  bytes?: string;
  referer?: string;
  user_agent?: string;
  host?: string;
  port?: string;
}

/** Defaults of an ordinary request an hour before `now`. */
function fill(now: number, f: AccessFields): Required<AccessFields> {
  return {
    remote_addr: '81.6.12.34',
    remote_logname: '-',
    remote_user: '-',
    time: now - HOUR,
    request: 'GET /index.html HTTP/1.1',
    status: '200',
    bytes: '5120',
    referer: 'https://www.example.com/start',
    user_agent: 'curl/8.5.0',
    host: 'www.example.org',
    port: '443',
    ...f,
  };
}

/**
 * An NCSA common line.
 *
 * @example
 * commonLine(T0, { remote_user: 'alice' })
 */
export function commonLine(now: number, f: AccessFields = {}): string {
  const v = fill(now, f);
  return `${v.remote_addr} ${v.remote_logname} ${v.remote_user} [${clfTime(v.time)}] "${v.request}" ${v.status} ${v.bytes}`;
}

/**
 * An nginx/Apache combined line, with optional appended fields written as given (` "1.2.3.4" 0.012`).
 *
 * @example
 * combinedLine(T0, {}, ' "10.1.2.3"')
 */
export function combinedLine(now: number, f: AccessFields = {}, appended = ''): string {
  const v = fill(now, f);
  return `${commonLine(now, f)} "${v.referer}" "${v.user_agent}"${appended}`;
}

/**
 * An Apache vhost_combined line.
 *
 * @example
 * vhostCombinedLine(T0, { remote_addr: '2001:db8::1' })
 */
export function vhostCombinedLine(now: number, f: AccessFields = {}): string {
  const v = fill(now, f);
  return `${v.host}:${v.port} ${combinedLine(now, f)}`;
}

/**
 * A JSON line: `fields` as given, with `time` (ISO) an hour before `now` unless a time field is given.
 *
 * @example
 * jsonLine(T0, { client_ip: '81.6.12.34' })
 */
export function jsonLine(now: number, fields: Record<string, unknown> = {}, timeField = 'time'): string {
  return JSON.stringify({ [timeField]: new Date(now - HOUR).toISOString(), ...fields });
}
