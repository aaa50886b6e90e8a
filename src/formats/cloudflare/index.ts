/**
 * `cloudflare`: Cloudflare Logpush / Logpull `http_requests` dataset, JSON
 * lines (https://developers.cloudflare.com/logs/logpush/logpush-job/datasets/zone/http_requests/).
 * A job writes only the fields it selects, in its order; the timestamp form
 * is the job's (`unixnano` integers — beyond 2^53, written back exactly as
 * they came — `unix` seconds, or RFC 3339 strings). `Cookies`,
 * `RequestHeaders` and `ResponseHeaders` are objects: left out unless a
 * header is named (`RequestHeaders.x-example: keep`).
 */
import type { Role } from '../../event/vocabulary.js';
import { defineFormat } from '../format.js';
import { JsonDocFormat, type JsonDocSpec } from '../engines/json-doc/json-doc-format.js';
import { epochNumber, isoOrAnyText } from '../engines/json-doc/time.js';
import { restamp } from '../engines/fields/restamp.js';

const D: Role = 'dimension';
const dims = (...names: string[]): Record<string, Role> => Object.fromEntries(names.map((n) => [n, D]));

/** The dataset's fields (the documentation's list), with their roles. */
export const CLOUDFLARE_ROLES: Readonly<Record<string, Role>> = {
  ClientIP: 'client_ip',
  ClientSrcPort: 'client_port',
  ClientRequestBytes: 'bytes_in',
  ClientRequestHost: 'host',
  ClientRequestMethod: 'method',
  ClientRequestPath: 'path',
  ClientRequestURI: 'path',
  ClientRequestProtocol: 'protocol',
  ClientRequestReferer: 'referer',
  ClientRequestScheme: 'protocol',
  ClientRequestUserAgent: 'user_agent',
  ClientSSLProtocol: 'protocol',
  ClientSSLCipher: D,
  ClientTCPRTTMs: 'duration',
  ClientMTLSAuthCertFingerprint: 'identifier',
  JA3Hash: 'identifier',
  JA4: 'identifier',
  JA4Signals: D,
  ClientLatitude: 'message',
  ClientLongitude: 'message',
  ClientCity: 'message',
  EdgeStartTimestamp: 'time',
  EdgeEndTimestamp: 'time',
  EdgeRequestHost: 'host',
  EdgeResponseBodyBytes: 'bytes_out',
  EdgeResponseBytes: 'bytes_out',
  EdgeResponseStatus: 'status',
  EdgeServerIP: 'server_ip',
  EdgeTimeToFirstByteMs: 'duration',
  CacheResponseBytes: 'bytes_out',
  CacheResponseStatus: 'status',
  OriginIP: 'server_ip',
  OriginResponseStatus: 'status',
  OriginResponseBytes: 'bytes',
  OriginResponseTime: 'duration',
  OriginDNSResponseTimeMs: 'duration',
  OriginRequestHeaderSendDurationMs: 'duration',
  OriginResponseDurationMs: 'duration',
  OriginResponseHeaderReceiveDurationMs: 'duration',
  OriginTCPHandshakeDurationMs: 'duration',
  OriginTLSHandshakeDurationMs: 'duration',
  OriginSSLProtocol: 'protocol',
  WorkerCPUTime: 'duration',
  WorkerWallTimeUs: 'duration',
  RayID: 'identifier',
  ParentRayID: 'identifier',
  ZoneName: 'host',
  Cookies: 'session',
  RequestHeaders: 'message',
  ResponseHeaders: 'message',
  ResponseFields: 'message',
  SecurityRuleDescription: 'message',
  ...dims(
    'ClientASN', 'ClientCountry', 'ClientRegionCode', 'ClientDeviceType', 'ClientIPClass', 'ClientMTLSAuthStatus', 'ClientRequestSource', 'ClientXRequestedWith',
    'EdgeColoCode', 'EdgeColoID', 'EdgeCFConnectingO2O', 'EdgePathingOp', 'EdgePathingSrc', 'EdgePathingStatus', 'EdgeResponseCompressionRatio', 'EdgeResponseContentType',
    'CacheCacheStatus', 'CacheReserveUsed', 'CacheTieredFill', 'OriginResponseHTTPExpires', 'OriginResponseHTTPLastModified',
    'BotDetectionIDs', 'BotDetectionTags', 'BotScore', 'BotScoreSrc', 'BotTags', 'ContentScanObjResults', 'ContentScanObjSizes', 'ContentScanObjTypes', 'LeakedCredentialCheckResult',
    'SecurityAction', 'SecurityActions', 'SecurityRuleID', 'SecurityRuleIDs', 'SecuritySources', 'WAFAttackScore', 'WAFFlags', 'WAFMatchedVar', 'WAFRCEAttackScore', 'WAFSQLiAttackScore', 'WAFXSSAttackScore',
    'SmartRouteColoID', 'UpperTierColoID', 'WorkerScriptName', 'WorkerStatus', 'WorkerSubrequest', 'WorkerSubrequestCount',
  ),
};

export const CLOUDFLARE_SPEC: JsonDocSpec = {
  names: Object.keys(CLOUDFLARE_ROLES),
  roles: CLOUDFLARE_ROLES,
  markers: ['"EdgeStartTimestamp"', '"RayID"'],
  // Every key of the dataset is PascalCase (a generic JSON log with a RayID key is not a Logpush record).
  accept(doc) {
    for (let m = 0; m < doc.count; m = doc.next[m]!) {
      const c = doc.stringKeyFirst(m);
      if (c < 65 || c > 90) return false;
    }
    return doc.find(-1, 'EdgeStartTimestamp') >= 0 || doc.find(-1, 'RayID') >= 0;
  },
  time: ['EdgeStartTimestamp', 'EdgeEndTimestamp'],
  timeText: isoOrAnyText,
  timeNumber: epochNumber,
};

/**
 * The three ndjson lines of "Log output options" (timestamps `unixnano`,
 * https://developers.cloudflare.com/logs/reference/log-output-options/) and
 * the Logpull "sample log with default fields" compacted to one line
 * (https://developers.cloudflare.com/logs/logpull/understanding-the-basics/).
 * See fixtures/cloudflare/README.md.
 */
export const CLOUDFLARE_DOC_LINES: readonly string[] = [
  '{"ClientIP":"89.163.242.206","EdgeStartTimestamp":1506702504433000200,"RayID":"3a6050bcbe121a87"}',
  '{"ClientIP":"89.163.242.207","EdgeStartTimestamp":1506702504433000300,"RayID":"3a6050bcbe121a88"}',
  '{"ClientIP":"89.163.242.208","EdgeStartTimestamp":1506702504433000400,"RayID":"3a6050bcbe121a89"}',
  '{"ClientIP":"89.163.242.206","ClientRequestHost":"www.theburritobot.com","ClientRequestMethod":"GET","ClientRequestURI":"/static/img/testimonial-hipster.png","EdgeEndTimestamp":1506702504461999900,"EdgeResponseBytes":69045,"EdgeResponseStatus":200,"EdgeStartTimestamp":1506702504433000200,"RayID":"3a6050bcbe121a87"}',
];

/** Nanosecond timestamps moved by whole milliseconds (BigInt: the values are beyond 2^53), keeping their last six digits. */
export const cloudflareExampleLines = (ms: number): string[] =>
  restamp(
    CLOUDFLARE_DOC_LINES,
    ms,
    /\b1\d{18}\b/g,
    (m) => Number(BigInt(m) / 1_000_000n),
    (t, m) => `${BigInt(t) * 1_000_000n + (BigInt(m) % 1_000_000n)}`,
  );

export const cloudflareFormat = defineFormat({
  name: 'cloudflare',
  description: 'Cloudflare Logpush/Logpull http_requests JSON lines (unixnano, unix or RFC 3339 timestamps)',
  options: {},
  autoOrder: 3,
  example: { lines: cloudflareExampleLines },
  create: (_config, ctx) => new JsonDocFormat(CLOUDFLARE_SPEC, ctx),
  describe: () => ({ layout: 'Logpush http_requests JSON; fields the policy does not name are left out', fields: Object.keys(CLOUDFLARE_ROLES) }),
});
