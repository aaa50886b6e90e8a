/**
 * `gcp_lb`: Google Cloud external Application Load Balancer request logs,
 * Cloud Logging `LogEntry` JSON, one entry per line (as Cloud Storage and
 * Pub/Sub sinks deliver them; https://cloud.google.com/load-balancing/docs/https/https-logging-monitoring).
 * The client address is nested (`httpRequest.remoteIp`, also
 * `jsonPayload.remoteIp`) and may carry a port; sizes are int64 written as
 * strings; `labels` is free-form and dropped unless a key is named.
 * Detected by the load balancer's resource type or payload type (Cloud Run
 * and App Engine entries also have an `httpRequest`).
 */
import type { Role } from '../../event/vocabulary.js';
import { defineFormat } from '../format.js';
import { JsonDocFormat, type JsonDocSpec } from '../engines/json-doc/json-doc-format.js';
import { T_OBJECT, T_STRING, type JsonScan } from '../engines/json-doc/scan.js';
import { epochNumber, isoOrAnyText } from '../engines/json-doc/time.js';
import { readIso, restamp, RFC3339_UTC, writeIsoLike } from '../engines/fields/restamp.js';

const D: Role = 'dimension';
const POLICY = ['name', 'priority', 'configuredAction', 'outcome', 'rateLimitAction.key', 'rateLimitAction.outcome', 'preconfiguredExprIds'];

export const GCP_LB_ROLES: Readonly<Record<string, Role>> = {
  insertId: 'identifier',
  logName: 'identifier',
  severity: D,
  timestamp: 'time',
  receiveTimestamp: 'time',
  trace: 'identifier',
  spanId: 'identifier',
  traceSampled: D,
  'resource.type': D,
  'resource.labels.project_id': 'account',
  ...Object.fromEntries(
    ['zone', 'url_map_name', 'forwarding_rule_name', 'target_proxy_name', 'backend_service_name', 'backend_target_name', 'backend_target_type', 'backend_name', 'backend_type', 'backend_scope', 'backend_scope_type', 'matched_url_path_rule', 'network_name', 'region'].map((k) => [`resource.labels.${k}`, D]),
  ),
  'httpRequest.requestMethod': 'method',
  'httpRequest.requestUrl': 'url',
  'httpRequest.requestSize': 'bytes_in',
  'httpRequest.status': 'status',
  'httpRequest.responseSize': 'bytes_out',
  'httpRequest.userAgent': 'user_agent',
  'httpRequest.remoteIp': 'client_ip',
  'httpRequest.serverIp': 'server_ip',
  'httpRequest.referer': 'referer',
  'httpRequest.latency': 'duration',
  'httpRequest.protocol': 'protocol',
  'httpRequest.cacheLookup': D,
  'httpRequest.cacheHit': D,
  'httpRequest.cacheValidatedWithOriginServer': D,
  'httpRequest.cacheFillBytes': 'bytes',
  'jsonPayload.@type': D,
  'jsonPayload.statusDetails': D,
  'jsonPayload.backendTargetProjectNumber': 'account',
  'jsonPayload.cacheId': D,
  'jsonPayload.cacheDecision': D,
  'jsonPayload.proxyStatus': D,
  'jsonPayload.remoteIp': 'client_ip',
  'jsonPayload.errorService': D,
  'jsonPayload.errorGroup': D,
  'jsonPayload.overrideResponseCode': 'status',
  ...Object.fromEntries(POLICY.map((k) => [`jsonPayload.enforcedSecurityPolicy.${k}`, D])),
  ...Object.fromEntries(POLICY.map((k) => [`jsonPayload.previewSecurityPolicy.${k}`, D])),
  'jsonPayload.securityPolicyRequestData.remoteIpInfo.asn': D,
  'jsonPayload.securityPolicyRequestData.remoteIpInfo.regionCode': D,
  'jsonPayload.securityPolicyRequestData.tlsJa3Fingerprint': 'identifier',
  'jsonPayload.securityPolicyRequestData.tlsJa4Fingerprint': 'identifier',
  'jsonPayload.tls.protocol': 'protocol',
  'jsonPayload.tls.cipher': D,
  'jsonPayload.mtls.clientCertPresent': D,
  'jsonPayload.mtls.clientCertChainVerified': D,
  'jsonPayload.mtls.clientCertError': D,
  'jsonPayload.mtls.clientCertSha256Fingerprint': 'identifier',
  'jsonPayload.mtls.clientCertSerialNumber': 'identifier',
  'jsonPayload.mtls.clientCertSpiffeId': 'identifier',
  'jsonPayload.mtls.clientCertUriSans': 'identifier',
  'jsonPayload.mtls.clientCertDnsnameSans': 'identifier',
  'jsonPayload.mtls.clientCertIssuerDn': 'identifier',
  'jsonPayload.mtls.clientCertSubjectDn': 'identifier',
};

/** Resource types of the load balancers whose request logs this reads. */
const LB_RESOURCES = new Set(['http_load_balancer', 'http_external_regional_lb_rule', 'internal_http_lb_rule']);

function stringIs(doc: JsonScan, m: number, accept: (v: string) => boolean): boolean {
  return m >= 0 && doc.type[m] === T_STRING && accept(doc.stringText(m));
}

export const GCP_LB_SPEC: JsonDocSpec = {
  names: Object.keys(GCP_LB_ROLES),
  roles: GCP_LB_ROLES,
  markers: ['"httpRequest"'],
  accept(doc) {
    const http = doc.find(-1, 'httpRequest');
    if (http < 0 || doc.type[http] !== T_OBJECT) return false;
    const resource = doc.find(-1, 'resource');
    if (resource >= 0 && stringIs(doc, doc.find(resource, 'type'), (t) => LB_RESOURCES.has(t))) return true;
    const payload = doc.find(-1, 'jsonPayload');
    return payload >= 0 && stringIs(doc, doc.find(payload, '@type'), (t) => t.endsWith('.LoadBalancerLogEntry'));
  },
  time: ['timestamp'],
  timeText: isoOrAnyText,
  timeNumber: epochNumber,
};

/**
 * The "Requests served from cache" entry of "Caching logs and metrics"
 * (https://cloud.google.com/cdn/docs/logging), as JSON (the page shows it in
 * the Logs Explorer rendering); see fixtures/gcp_lb/README.md for what was
 * changed. A second entry of the same load balancer: a regional one whose
 * remoteIp carries a port, as Google writes it.
 */
export const GCP_LB_DOC_LINES: readonly string[] = [
  '{"insertId":"1oek5rg3l3fxj7","jsonPayload":{"@type":"type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry","cacheId":"SFO-fbae48ad","statusDetails":"response_from_cache"},"httpRequest":{"requestMethod":"GET","requestUrl":"http://203.0.113.10/static/us/three-cats.jpg","requestSize":"577","status":304,"responseSize":"157","userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.61 Safari/537.36","remoteIp":"198.51.100.23","cacheHit":true,"cacheLookup":true},"resource":{"type":"http_load_balancer","labels":{"zone":"global","url_map_name":"URL_MAP_NAME","forwarding_rule_name":"FORWARDING_RULE_NAME","target_proxy_name":"TARGET_PROXY_NAME","backend_service_name":"","project_id":"PROJECT_ID"}},"timestamp":"2020-06-08T23:41:30.078651Z","severity":"INFO","logName":"projects/PROJECT_ID/logs/requests","trace":"projects/PROJECT_ID/traces/241d69833e64b3bf83fabac8c873d992","receiveTimestamp":"2020-06-08T23:41:30.588272510Z","spanId":"7b6537d3672e08e1"}',
  '{"insertId":"2pfl6sh4m4gyk8","jsonPayload":{"@type":"type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry","statusDetails":"response_sent_by_backend","remoteIp":"202.8.105.197:53663"},"httpRequest":{"requestMethod":"POST","requestUrl":"https://shop.example.com/api/cart?item=42","requestSize":"1204","status":200,"responseSize":"88","userAgent":"curl/8.5.0","remoteIp":"202.8.105.197:53663","serverIp":"10.128.0.7:443","latency":"0.007911s","protocol":"HTTP/1.1"},"resource":{"type":"http_external_regional_lb_rule","labels":{"region":"europe-north1","project_id":"PROJECT_ID"}},"timestamp":"2020-06-08T23:42:10.118443Z","severity":"INFO","logName":"projects/PROJECT_ID/logs/loadbalancing.googleapis.com%2Fexternal_regional_requests","receiveTimestamp":"2020-06-08T23:42:10.500120Z"}',
];

export const gcpLbFormat = defineFormat({
  name: 'gcp_lb',
  description: 'Google Cloud HTTP(S) load balancer request logs (Cloud Logging LogEntry JSON, one per line)',
  options: {},
  autoOrder: 2,
  example: { lines: (ms) => restamp(GCP_LB_DOC_LINES, ms, RFC3339_UTC, readIso, writeIsoLike) },
  create: (_config, ctx) => new JsonDocFormat(GCP_LB_SPEC, ctx),
  describe: () => ({ layout: 'Cloud Logging LogEntry JSON (httpRequest, jsonPayload, resource); members the policy does not name are left out', fields: Object.keys(GCP_LB_ROLES) }),
});
