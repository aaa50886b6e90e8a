/**
 * `json`: JSON lines — nginx `escape=json` access logs and application logs;
 * nested fields by dotted names; the time from the first of
 * `timestamp_fields`; optionally a visitor id added.
 */
import { timestampFieldsOption, visitorIdOption } from '../config.js';
import { defineFormat } from '../format.js';
import { JsonFormat } from '../engines/json/json-format.js';

export const jsonFormat = defineFormat({
  name: 'json',
  description: 'JSON lines (nginx escape=json, application logs); nested fields by dotted names',
  options: { timestamp_fields: timestampFieldsOption, visitor_id: visitorIdOption },
  // Tried first: a line that starts with `{` and parses is JSON, and no text layout starts so.
  autoOrder: 10,
  example: {
    lines: (ms) => [
      JSON.stringify({ time: new Date(ms - 60_000).toISOString(), client_ip: '81.6.12.34', user_id: 'alice', message: 'login ok', extra: 1 }),
      JSON.stringify({ timestamp: new Date(ms - 120_000).toISOString(), remote_addr: '10.9.8.7', status: 404, request_uri: '/x?mail=jo@example.com' }),
    ],
  },
  create: (config, ctx) =>
    new JsonFormat({ timestampFields: (config.timestamp_fields as string[] | undefined) ?? [], visitorIdField: config.visitor_id === false ? undefined : (config.visitor_id as string | undefined) }, ctx),
  describe(config) {
    const id = config.visitor_id;
    return {
      layout: 'JSON lines; any field not listed is dropped',
      fields: [],
      note: [
        `event time from the first of: ${((config.timestamp_fields as string[] | undefined) ?? []).join(', ') || '(none)'}`,
        id === false || id === undefined ? '(visitor id)            not added' : `${String(id).padEnd(24)}added: visitor id (pseudonym of host + full client IP + user agent)`,
      ].join('\n  '),
    };
  },
});
