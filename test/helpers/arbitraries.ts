/**
 * fast-check generators of text log lines, field by field, from alphabets
 * that each field can really hold. Quoted fields may carry Apache (`\"`,
 * `\\`) and nginx (`\x22`) escapes; a backslash never appears on its own,
 * so a generated line is always valid in its format.
 */
import fc from 'fast-check';
import { DAY, HOUR } from './env.js';
import { clfTime } from './lines.js';

/** The fields of one generated access-log line, as they appear in it. */
export interface GeneratedFields {
  readonly remote_addr: string;
  readonly remote_logname: string;
  readonly remote_user: string;
  readonly time_local: string;
  readonly request: string;
  readonly status: string;
  readonly bytes: string;
  readonly http_referer: string;
  readonly http_user_agent: string;
  readonly host: string;
  readonly server_port: string;
  /** Appended `"$http_x_forwarded_for"`. */
  readonly xff: string;
  /** Appended `$request_time`. */
  readonly request_time: string;
}

const chars = (alphabet: string, min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** Text from `alphabet` with escaped quotes and backslashes mixed in. */
const quotedText = (alphabet: string, min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...alphabet) }, { weight: 1, arbitrary: fc.constantFrom('\\"', '\\x22', '\\\\', '\\" ') }), { minLength: min, maxLength: max }).map((a) => a.join(''));

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = `${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789`;
const PATH = `${ALNUM}/._~-%=&?+,;:@!$*'()`;
const UA = `${ALNUM} ()/;.,:_+-`;

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const hostName = fc.tuple(chars(LOWER, 1, 10), fc.constantFrom('com', 'org', 'se', 'example')).map(([a, b]) => `${a}.${b}`);

/** A client address as nginx and Apache write it. */
export const remoteAddr: fc.Arbitrary<string> = fc.oneof({ weight: 6, arbitrary: ipv4 }, { weight: 3, arbitrary: ipv6 }, { weight: 1, arbitrary: fc.constant('-') });

const token = (alphabet: string): fc.Arbitrary<string> => fc.oneof({ weight: 3, arbitrary: fc.constant('-') }, { weight: 2, arbitrary: chars(alphabet, 1, 12) });

/**
 * Every field of a line, with the event time between `now - spanDays` and
 * `now` in a random zone (170 days stays inside a P6M window however the
 * months fall). Pseudonymising lines from many different days is slow (a
 * salt and a keyed state per day), so tests of transforms use a short span.
 */
export function fieldsArb(now: number, spanDays = 170): fc.Arbitrary<GeneratedFields> {
  return fc.record({
    remote_addr: remoteAddr,
    remote_logname: token(`${ALNUM}._-`),
    remote_user: token(`${ALNUM}._@-`),
    time_local: fc
      .tuple(fc.integer({ min: 0, max: spanDays * DAY }), fc.constantFrom(0, 60, -300, 330, 120, -600, 840))
      .map(([ago, zone]) => clfTime(now - HOUR - ago, zone)),
    request: fc
      .tuple(fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE'), quotedText(PATH, 0, 40), fc.constantFrom('HTTP/1.0', 'HTTP/1.1', 'HTTP/2.0'))
      .map(([m, p, v]) => `${m} /${p} ${v}`),
    status: fc.integer({ min: 100, max: 599 }).map(String),
    bytes: fc.oneof(fc.nat({ max: 10_000_000 }).map(String), fc.constant('-')),
    http_referer: fc.oneof(fc.constant('-'), quotedText(PATH, 0, 30).map((p) => `https://www.example.com/${p}`)),
    http_user_agent: fc.oneof(fc.constant('-'), quotedText(UA, 1, 60)),
    host: hostName,
    server_port: fc.integer({ min: 1, max: 65535 }).map(String),
    xff: fc.oneof(
      fc.constant('-'),
      fc.array(fc.oneof(ipv4, ipv6), { minLength: 1, maxLength: 3 }).map((a) => a.join(', ')),
    ),
    request_time: fc.oneof(
      fc.constant('-'),
      fc.tuple(fc.nat({ max: 99 }), fc.nat({ max: 999 })).map(([s, ms]) => `${s}.${String(ms).padStart(3, '0')}`),
    ),
  });
}

/** The text formats a line can be generated in. */
export type TextLayout = 'common' | 'combined' | 'vhost_combined' | 'combined_xff';

/**
 * The line of `f` in `layout`; `combined_xff` is nginx `main`:
 * combined + ` "$http_x_forwarded_for" $request_time`.
 *
 * @example
 * lineOf('common', fields)
 */
export function lineOf(layout: TextLayout, f: GeneratedFields): string {
  const common = `${f.remote_addr} ${f.remote_logname} ${f.remote_user} [${f.time_local}] "${f.request}" ${f.status} ${f.bytes}`;
  const combined = `${common} "${f.http_referer}" "${f.http_user_agent}"`;
  switch (layout) {
    case 'common':
      return common;
    case 'combined':
      return combined;
    case 'vhost_combined':
      return `${f.host}:${f.server_port} ${combined}`;
    case 'combined_xff':
      return `${combined} "${f.xff}" ${f.request_time}`;
  }
}

/** Which format name parses a line of `layout`. */
export const FORMAT_OF: Readonly<Record<TextLayout, string>> = {
  common: 'common',
  combined: 'combined',
  vhost_combined: 'vhost_combined',
  combined_xff: 'combined',
};

export const TEXT_LAYOUTS: readonly TextLayout[] = ['common', 'combined', 'vhost_combined', 'combined_xff'];
