/**
 * `alb`: AWS Application Load Balancer access logs
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html).
 * Space-separated, some fields quoted; `client:port` and `target:port` are
 * not bracketed for IPv6, so they split at the last colon. AWS appends new
 * fields at the end and tells parsers to ignore unexpected ones: lines with
 * the 18 fields of 2016 up to the 33 of today are read, and any field after
 * the known ones is accepted and written as `-`.
 */
import type { Role } from '../../event/vocabulary.js';
import { defineFormat } from '../format.js';
import { countOrDash, decimal, isoUtc, statusOrDash, token } from '../engines/fields/checks.js';
import { createIsoReader } from '../engines/fields/time.js';
import { type Column, ColumnsFormat, columnNames, type ColumnsSpec } from '../engines/columns/columns-format.js';
import { albExampleLines } from './example.js';

/** `type`: http, https, h2, grpcs, ws, wss ("ignore any other values": any lower-case token is read). */
const requestType = (src: string, s: number, e: number): boolean => {
  if (e - s < 1 || e - s > 8) return false;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) return false;
  }
  return true;
};
const albId = (src: string, s: number, e: number): boolean => src.startsWith('app/', s) && token(src, s, e);
const priority = (src: string, s: number, e: number): boolean => /^-?\d{1,5}$/.test(src.slice(s, e));

const COLUMNS: readonly Column[] = [
  { kind: 'plain', name: 'type', check: requestType },
  { kind: 'plain', name: 'time', check: isoUtc },
  { kind: 'plain', name: 'elb', check: albId },
  { kind: 'addr_port', name: 'client_ip', port: 'client_port' },
  { kind: 'addr_port', name: 'target_ip', port: 'target_port', dash: true },
  { kind: 'plain', name: 'request_processing_time', check: decimal },
  { kind: 'plain', name: 'target_processing_time', check: decimal },
  { kind: 'plain', name: 'response_processing_time', check: decimal },
  { kind: 'plain', name: 'elb_status_code', check: statusOrDash },
  { kind: 'plain', name: 'target_status_code', check: statusOrDash },
  { kind: 'plain', name: 'received_bytes', check: countOrDash },
  { kind: 'plain', name: 'sent_bytes', check: countOrDash },
  { kind: 'quoted', name: 'request' },
  { kind: 'quoted', name: 'user_agent' },
  { kind: 'plain', name: 'ssl_cipher', check: token },
  { kind: 'plain', name: 'ssl_protocol', check: token },
  // An ARN, or (in gallra's own output) its pseudonym.
  { kind: 'plain', name: 'target_group_arn', check: token },
  { kind: 'quoted', name: 'trace_id' },
  { kind: 'quoted', name: 'domain_name' },
  { kind: 'quoted', name: 'chosen_cert_arn' },
  { kind: 'plain', name: 'matched_rule_priority', check: priority },
  { kind: 'plain', name: 'request_creation_time', check: isoUtc },
  { kind: 'quoted', name: 'actions_executed' },
  { kind: 'quoted', name: 'redirect_url' },
  { kind: 'quoted', name: 'error_reason' },
  { kind: 'quoted', name: 'target_port_list' },
  { kind: 'quoted', name: 'target_status_code_list' },
  { kind: 'quoted', name: 'classification' },
  { kind: 'quoted', name: 'classification_reason' },
  { kind: 'plain', name: 'conn_trace_id', check: token },
  { kind: 'quoted', name: 'transformed_host' },
  { kind: 'quoted', name: 'transformed_uri' },
  { kind: 'quoted', name: 'request_transform_status' },
];

/** What each field means (the policy's `role:` overrides). */
export const ALB_ROLES: Readonly<Record<string, Role>> = {
  type: 'protocol',
  time: 'time',
  // elb (app/<name>/<id>): no role — the column check admits only that shape, and its 16-hex id would fail a dimension's.
  client_ip: 'client_ip',
  client_port: 'client_port',
  target_ip: 'server_ip',
  target_port: 'server_port',
  request_processing_time: 'duration',
  target_processing_time: 'duration',
  response_processing_time: 'duration',
  elb_status_code: 'status',
  target_status_code: 'status',
  received_bytes: 'bytes_in',
  sent_bytes: 'bytes_out',
  request: 'request',
  user_agent: 'user_agent',
  ssl_cipher: 'dimension',
  ssl_protocol: 'protocol',
  target_group_arn: 'identifier',
  trace_id: 'identifier',
  domain_name: 'host',
  chosen_cert_arn: 'identifier',
  matched_rule_priority: 'dimension',
  request_creation_time: 'time',
  actions_executed: 'dimension',
  redirect_url: 'url',
  error_reason: 'dimension',
  target_port_list: 'server_ip',
  target_status_code_list: 'dimension',
  classification: 'dimension',
  classification_reason: 'dimension',
  conn_trace_id: 'identifier',
  transformed_host: 'host',
  transformed_uri: 'url',
  request_transform_status: 'dimension',
};

export const ALB_SPEC: ColumnsSpec = {
  columns: COLUMNS,
  // type … trace_id: the fields of the first ALB logs (2016).
  minColumns: 18,
  maxExtra: 32,
  roles: ALB_ROLES,
  // The time the load balancer generated the response (WebSockets: the connection closed).
  time: 'time',
  timeReader: () => createIsoReader(false),
};

export const albFormat = defineFormat({
  name: 'alb',
  description: 'AWS Application Load Balancer access logs (client:port split, fields appended by AWS accepted and dropped)',
  options: {},
  autoOrder: 11,
  example: { lines: albExampleLines },
  create: (_config, ctx) => new ColumnsFormat(ALB_SPEC, ctx),
  describe: () => ({
    layout: 'type time elb client:port target:port … "request" "user_agent" … (AWS ALB access log, 18 to 33 fields)',
    fields: columnNames(COLUMNS),
    appendedDropped: true,
    note: 'fields after request_transform_status (added by AWS later) are written as "-"',
  }),
});
