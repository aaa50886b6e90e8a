/**
 * `cdr`: traffic metadata — call and session detail records in gallra's
 * own schema (`gallra-cdr/1`, fixtures/cdr/README.md; field meanings from
 * 3GPP TS 32.298), as JSON lines or CSV with a header line, detected per
 * line and per segment. Subscriber numbering (MSISDN, IMSI, IMEI) is
 * pseudonymised, cells generalised; start time, duration and byte counts —
 * the traffic metadata — are kept. Every time must carry its offset.
 */
import { defineFormat } from '../format.js';
import type { JsonDocSpec } from '../engines/json-doc/json-doc-format.js';
import { T_NUMBER, T_STRING } from '../engines/json-doc/scan.js';
import { createIsoReader } from '../engines/fields/time.js';
import { CDR_ROLES, CdrFormat, SUBSCRIBER_KEYS } from './cdr-format.js';

export const CDR_SPEC: JsonDocSpec = {
  names: Object.keys(CDR_ROLES),
  roles: CDR_ROLES,
  markers: ['"start_time"'],
  accept(doc) {
    const t = doc.find(-1, 'start_time');
    return t >= 0 && doc.type[t] === T_STRING && SUBSCRIBER_KEYS.some((k) => {
      const m = doc.find(-1, k);
      return m >= 0 && (doc.type[m] === T_STRING || doc.type[m] === T_NUMBER);
    });
  },
  time: ['start_time'],
  // 3GPP times carry their offset to UTC; one without is not guessed at.
  timeText: () => createIsoReader(true),
  timeNumber: () => NaN,
};

/** The JSON-lines sample of fixtures/cdr/ (gallra's own, documented there), moved to end `ms`. */
export const CDR_EXAMPLE_LINES: readonly string[] = [
  '{"record_type":"data","start_time":"2026-03-02T10:15:04+01:00","end_time":"2026-03-02T10:20:16+01:00","duration":312,"msisdn":"+46701234567","imsi":"240011234567890","imeisv":"3534590712345601","apn":"internet","rat":"EUTRAN","cell_id":"240-01-26452231","tac":"12801","ue_ip":"10.64.12.7","protocol":"tcp","src_port":51514,"dst_ip":"198.51.100.20","dst_port":443,"bytes_up":48213,"bytes_down":1290441,"charging_id":3720142117,"close_cause":"normalRelease"}',
  '{"record_type":"data","start_time":"2026-03-02T09:20:00.250Z","duration":1800.5,"msisdn":"46701234567","imsi":"240011234567890","imei":"353459071234562","apn":"iot.example","rat":"NR","cell_id":"240-01-68719476735","ue_ip":"2001:db8:40::5","protocol":"udp","src_port":40001,"dst_ip":"2001:db8:ff::1","dst_port":53,"bytes_up":1200,"bytes_down":3400,"close_cause":"timeLimit"}',
  '{"record_type":"voice","direction":"mo","start_time":"2026-03-02T11:02:33-05:00","duration":74,"msisdn":"+15555550123","peer_msisdn":"+442079460958","imsi":"310260000000001","imei":"490154203237518","rat":"EUTRAN","cell_id":"310-260-1234567","site_id":"NYC-0042 \\"Main St\\", roof","close_cause":"normalRelease"}',
  '{"record_type":"sms","direction":"mt","start_time":"2026-03-02T12:00:00+05:30","msisdn":"919876543210","peer_msisdn":"56161","imsi":"404450123456789","rat":"GERAN","cell_id":"404-45-1021-33011"}',
];

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * Each record moved so its start is (i + 1) minutes before `ms`; each time
 * keeps its zone offset (its local time moves by the same amount), and the
 * distance to the end time stays.
 */
export function cdrExampleLines(ms: number, lines: readonly string[] = CDR_EXAMPLE_LINES): string[] {
  const re = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)/g;
  return lines.map((line, i) => {
    const first = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)/.exec(line);
    if (first === null) return line;
    const delta = ms - (i + 1) * 60_000 - Date.parse(first[0]);
    return line.replace(re, (_m, local: string, frac: string | undefined, zone: string) => {
      const t = new Date(Date.parse(`${local}${frac ?? ''}Z`) + delta);
      return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}${frac ?? ''}${zone}`;
    });
  });
}

export const cdrFormat = defineFormat({
  name: 'cdr',
  description: 'call/session detail records (gallra-cdr/1): JSON lines or CSV with a header line, told per line and segment',
  options: {},
  autoOrder: 6,
  example: { lines: (ms) => cdrExampleLines(ms) },
  create: (_config, ctx) => new CdrFormat(CDR_SPEC, ctx),
  describe: () => ({
    layout: 'gallra-cdr/1: JSON lines, or CSV whose header line names the columns (per file or partition)',
    fields: Object.keys(CDR_ROLES),
    note: 'times must carry their offset (Z or ±HH:MM); keys and columns the schema does not have are left out',
  }),
});
