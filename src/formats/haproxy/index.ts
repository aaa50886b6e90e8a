/**
 * `haproxy`: HAProxy's default HTTP log (`option httplog`), with an RFC 3164
 * or RFC 5424 syslog header, with only the `haproxy[pid]:` tag, or raw.
 * Options: `time_zone` (the zone of HAProxy's local-time accept date:
 * `UTC`, `+01:00`, or an IANA name; an RFC 5424 header's offset wins), and
 * `request_captures` / `response_captures` (field names for the positions
 * of `capture request/response header`, in declaration order: e.g.
 * `[http_host, http_user_agent]`, whose rules the policy's `fields:` give).
 */
import { z } from 'zod';
import { fieldNameSchema } from '../config.js';
import { defineFormat, type FormatConfig } from '../format.js';
import { formatClfTime } from '../../time/format-timestamp.js';
import { restamp } from '../engines/fields/restamp.js';
import { FIXED_FIELDS, HaproxyFormat, type HaproxyOptions } from './haproxy-format.js';
import { validZone } from './zone.js';

const captureOption = z.array(fieldNameSchema).max(32).optional();
const timeZoneOption = z.string().min(1).max(64).optional();

function optionsOf(config: FormatConfig): HaproxyOptions {
  return {
    requestCaptures: (config.request_captures as string[] | undefined) ?? [],
    responseCaptures: (config.response_captures as string[] | undefined) ?? [],
    timeZone: (config.time_zone as string | undefined) ?? 'UTC',
  };
}

/**
 * The examples of the HAProxy configuration manual (sections 8.2.3 and 8.8,
 * https://docs.haproxy.org/dev/configuration.html#8.2.3), joined where the
 * manual breaks them over lines; the second and third capture headers
 * (`capture request header Host len 20`, `… Referer len 20`). See
 * fixtures/haproxy/README.md.
 */
export const HAPROXY_DOC_LINES: readonly string[] = [
  'Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"',
  'haproxy[674]: 127.0.0.1:33319 [15/Oct/2003:08:31:57.149] px-http px-http/srv1 6559/1230/7/147/6870 200 243 - - ---- 324/239/239/99/0 0/9 "HEAD / HTTP/1.0"',
  'haproxy[18113]: 127.0.0.1:34548 [15/Oct/2003:15:18:55.798] px-http px-http/<NOSRV> -1/-1/-1/-1/8490 -1 0 - - CR-- 2/2/2/0/0 0/0 ""',
];

const pad3 = (n: number): string => String(n).padStart(3, '0');

export const haproxyFormat = defineFormat({
  name: 'haproxy',
  description: 'HAProxy option httplog (syslog RFC 3164/5424 header, tag only, or raw); captured headers named by position',
  options: { request_captures: captureOption, response_captures: captureOption, time_zone: timeZoneOption },
  autoOrder: 14,
  example: {
    config: { request_captures: ['http_host'] },
    lines: (ms) =>
      restamp(
        HAPROXY_DOC_LINES,
        ms,
        /\[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\]/g,
        (m) => Date.parse(`${m.slice(8, 12)}-${String(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(m.slice(4, 7)) + 1).padStart(2, '0')}-${m.slice(1, 3)}T${m.slice(13, 21)}.${m.slice(22, 25)}Z`),
        (t) => `[${formatClfTime(t).slice(0, 20)}.${pad3(t % 1000)}]`,
      ),
  },
  create: (config, ctx) => new HaproxyFormat(optionsOf(config), ctx),
  check(config, at) {
    const o = optionsOf(config);
    const problems = [];
    if (!validZone(o.timeZone)) problems.push({ path: [...at, 'time_zone'], message: 'not a time zone gallra knows', fix: 'use UTC, an offset such as +01:00, or an IANA zone name such as Europe/Stockholm' });
    const names = [...o.requestCaptures, ...o.responseCaptures];
    if (new Set(names).size !== names.length || names.some((n) => (FIXED_FIELDS as readonly string[]).includes(n) || n === 'request')) {
      problems.push({ path: [...at, 'request_captures'], message: 'capture names must differ from each other and from the fields of the log line', fix: 'name each captured header once, e.g. http_host, http_user_agent' });
    }
    return problems;
  },
  describe: (config) => {
    const o = optionsOf(config);
    return {
      layout: '[syslog] haproxy[pid]: ci:cp [accept_date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes … {captures} "request"',
      fields: [...FIXED_FIELDS, ...o.requestCaptures.map((n) => `{${n}}`), ...o.responseCaptures.map((n) => `{${n}}`), 'request'],
      note: `accept date read in ${o.timeZone} (an RFC 5424 header's offset wins); capture positions without a name are written empty`,
    };
  },
});
