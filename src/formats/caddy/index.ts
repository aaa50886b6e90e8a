/**
 * `caddy`: Caddy v2 JSON access logs (`http.log.access` loggers,
 * https://caddyserver.com/docs/logging). `remote_ip` is the TCP peer and
 * `client_ip` the client behind trusted proxies: both are client addresses.
 * Header values are lists (`"User-Agent": ["curl/8.5.0"]`); header maps are
 * left out except the headers named (`Cookie` and `Authorization` appear —
 * with real values when `log_credentials` is on — and are dropped). `ts` and
 * `duration` are float seconds by default; other encoder settings (ISO
 * times, integer nanoseconds) read too.
 */
import type { Role } from '../../event/vocabulary.js';
import { defineFormat } from '../format.js';
import { JsonDocFormat, type JsonDocSpec } from '../engines/json-doc/json-doc-format.js';
import { T_OBJECT, T_STRING } from '../engines/json-doc/scan.js';
import { epochNumber, isoOrAnyText } from '../engines/json-doc/time.js';
import { caddyExampleLines } from './example.js';

const D: Role = 'dimension';

export const CADDY_ROLES: Readonly<Record<string, Role>> = {
  level: D,
  ts: 'time',
  logger: D,
  msg: D,
  'request.remote_ip': 'client_ip',
  'request.remote_port': 'client_port',
  'request.client_ip': 'client_ip',
  'request.proto': 'protocol',
  'request.method': 'method',
  'request.host': 'host',
  'request.uri': 'path',
  'request.headers.User-Agent': 'user_agent',
  'request.headers.Referer': 'referer',
  'request.headers.X-Forwarded-For': 'forwarded_for',
  'request.headers.Accept': D,
  'request.headers.Accept-Encoding': D,
  'request.headers.Accept-Language': D,
  'request.headers.Cookie': 'session',
  'request.headers.Authorization': 'session',
  'request.tls.resumed': D,
  'request.tls.version': D,
  'request.tls.cipher_suite': D,
  'request.tls.proto': D,
  'request.tls.server_name': 'host',
  bytes_read: 'bytes_in',
  user_id: 'user',
  duration: 'duration',
  size: 'bytes_out',
  status: 'status',
  'resp_headers.Server': D,
  'resp_headers.Content-Type': D,
  'resp_headers.Content-Encoding': D,
  'resp_headers.Content-Length': D,
  'resp_headers.Vary': D,
  'resp_headers.Set-Cookie': 'session',
  'resp_headers.Location': 'url',
};

export const CADDY_SPEC: JsonDocSpec = {
  names: Object.keys(CADDY_ROLES),
  roles: CADDY_ROLES,
  markers: ['"http.log.access'],
  accept(doc) {
    const logger = doc.find(-1, 'logger');
    const request = doc.find(-1, 'request');
    return logger >= 0 && doc.type[logger] === T_STRING && doc.stringText(logger).startsWith('http.log.access') && request >= 0 && doc.type[request] === T_OBJECT;
  },
  time: ['ts'],
  timeText: isoOrAnyText,
  timeNumber: epochNumber,
};

export const caddyFormat = defineFormat({
  name: 'caddy',
  description: 'Caddy JSON access logs (http.log.access); header maps left out but for the named headers',
  options: {},
  autoOrder: 5,
  example: { lines: caddyExampleLines },
  create: (_config, ctx) => new JsonDocFormat(CADDY_SPEC, ctx),
  describe: () => ({ layout: 'Caddy access log JSON (zap); fields the policy does not name are left out', fields: Object.keys(CADDY_ROLES) }),
});
