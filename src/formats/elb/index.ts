/**
 * `elb`: Classic Load Balancer access logs
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html).
 * Like `alb` without the leading type and with 15 fields; TCP and SSL
 * listener lines have the request `"- - - "` (three dashes, each followed
 * by a space) and `-` for both status codes. Fields appended after the
 * documented 15 are accepted and written as `-`.
 */
import type { Role } from '../../event/vocabulary.js';
import { defineFormat } from '../format.js';
import { countOrDash, decimal, isoUtc, statusOrDash, token } from '../engines/fields/checks.js';
import { createIsoReader } from '../engines/fields/time.js';
import { type Column, ColumnsFormat, columnNames, type ColumnsSpec } from '../engines/columns/columns-format.js';
import { elbExampleLines } from './example.js';

/** The load balancer's name: letters, digits and hyphens (a name with a slash is an ALB id). */
const lbName = (src: string, s: number, e: number): boolean => {
  if (e - s < 1 || e - s > 64) return false;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122) || c === 45)) return false;
  }
  return true;
};

const COLUMNS: readonly Column[] = [
  { kind: 'plain', name: 'time', check: isoUtc },
  { kind: 'plain', name: 'elb', check: lbName },
  { kind: 'addr_port', name: 'client_ip', port: 'client_port' },
  { kind: 'addr_port', name: 'backend_ip', port: 'backend_port', dash: true },
  { kind: 'plain', name: 'request_processing_time', check: decimal },
  { kind: 'plain', name: 'backend_processing_time', check: decimal },
  { kind: 'plain', name: 'response_processing_time', check: decimal },
  { kind: 'plain', name: 'elb_status_code', check: statusOrDash },
  { kind: 'plain', name: 'backend_status_code', check: statusOrDash },
  { kind: 'plain', name: 'received_bytes', check: countOrDash },
  { kind: 'plain', name: 'sent_bytes', check: countOrDash },
  { kind: 'quoted', name: 'request' },
  { kind: 'quoted', name: 'user_agent' },
  { kind: 'plain', name: 'ssl_cipher', check: token },
  { kind: 'plain', name: 'ssl_protocol', check: token },
];

export const ELB_ROLES: Readonly<Record<string, Role>> = {
  time: 'time',
  elb: 'dimension',
  client_ip: 'client_ip',
  client_port: 'client_port',
  backend_ip: 'server_ip',
  backend_port: 'server_port',
  request_processing_time: 'duration',
  backend_processing_time: 'duration',
  response_processing_time: 'duration',
  elb_status_code: 'status',
  backend_status_code: 'status',
  received_bytes: 'bytes_in',
  sent_bytes: 'bytes_out',
  request: 'request',
  user_agent: 'user_agent',
  ssl_cipher: 'dimension',
  ssl_protocol: 'protocol',
};

export const ELB_SPEC: ColumnsSpec = {
  columns: COLUMNS,
  minColumns: 15,
  maxExtra: 16,
  roles: ELB_ROLES,
  // The time the load balancer received the request (ALB's `time` is when it answered).
  time: 'time',
  timeReader: () => createIsoReader(false),
};

export const elbFormat = defineFormat({
  name: 'elb',
  description: 'AWS Classic Load Balancer access logs (HTTP, HTTPS, TCP and SSL listeners)',
  options: {},
  autoOrder: 12,
  example: { lines: elbExampleLines },
  create: (_config, ctx) => new ColumnsFormat(ELB_SPEC, ctx),
  describe: () => ({ layout: 'time elb client:port backend:port … "request" "user_agent" ssl_cipher ssl_protocol (AWS Classic Load Balancer)', fields: columnNames(COLUMNS), appendedDropped: true }),
});
