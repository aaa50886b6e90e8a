/**
 * The example of the W3C Working Draft "Extended Log File Format"
 * (https://www.w3.org/TR/WD-logfile.html), verbatim. Its entries carry only
 * a time of day (the date is in `#Date`); the example lines below are those
 * entries with the date as a `date` field in front, so each stands alone
 * (the `layout` option names the fields of lines that come without a
 * header). See fixtures/w3c/README.md.
 */
import { restamp } from '../engines/fields/restamp.js';

export const W3C_DOC_FILE: readonly string[] = [
  '#Version: 1.0',
  '#Date: 12-Jan-1996 00:00:00',
  '#Fields: time cs-method cs-uri',
  '00:34:23 GET /foo/bar.html',
  '12:21:16 GET /foo/bar.html',
  '12:45:52 GET /foo/bar.html',
  '12:57:34 GET /foo/bar.html',
];

/** The layout of the example lines: the draft's `#Fields` with the `#Date` as a field. */
export const W3C_EXAMPLE_LAYOUT = 'date time cs-method cs-uri';

const pad = (n: number): string => String(n).padStart(2, '0');
const dateTime = (t: number): string => {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

/** The draft's entries with their date (12 Jan 1996), each moved to a minute before the previous one, ending `ms`. */
export const w3cExampleLines = (ms: number): string[] =>
  restamp(
    W3C_DOC_FILE.filter((l) => !l.startsWith('#')).map((l) => `1996-01-12 ${l}`),
    ms,
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g,
    (m) => Date.parse(`${m.slice(0, 10)}T${m.slice(11)}Z`),
    dateTime,
  );

export { dateTime as w3cDateTime };
