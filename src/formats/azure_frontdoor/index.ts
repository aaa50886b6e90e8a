/**
 * `azure_frontdoor`: Azure Front Door access logs, Azure Monitor resource-log
 * JSON (https://learn.microsoft.com/azure/frontdoor/front-door-diagnostics),
 * one record per line (as Storage blobs hold them; Event Hubs' `{"records":
 * […]}` batches are several events on one line and are not read). Standard/
 * Premium (`FrontDoorAccessLog`) and classic (`FrontdoorAccessLog`) share
 * one field set — the documentation's own examples mix them. Numbers are
 * strings; `clientIp` (from X-Forwarded-For) and `socketIp` (the TCP peer)
 * are both client addresses; `resourceId` names the subscription.
 */
import type { Role } from '../../event/vocabulary.js';
import { defineFormat } from '../format.js';
import { JsonDocFormat, type JsonDocSpec } from '../engines/json-doc/json-doc-format.js';
import { T_OBJECT, T_STRING } from '../engines/json-doc/scan.js';
import { epochNumber, isoOrAnyText } from '../engines/json-doc/time.js';
import { azureExampleLines } from './example.js';

const D: Role = 'dimension';
const P = (roles: Record<string, Role>): Record<string, Role> => Object.fromEntries(Object.entries(roles).map(([k, r]) => [`properties.${k}`, r]));

export const AZURE_ROLES: Readonly<Record<string, Role>> = {
  time: 'time',
  PreciseTimeStamp: 'time',
  resourceId: 'account',
  category: D,
  operationName: D,
  location: D,
  Region: D,
  tenantId: 'account',
  ...P({
    trackingReference: 'identifier',
    httpMethod: 'method',
    httpVersion: 'protocol',
    requestUri: 'url',
    hostName: 'host',
    requestBytes: 'bytes_in',
    responseBytes: 'bytes_out',
    userAgent: 'user_agent',
    clientIp: 'client_ip',
    socketIp: 'client_ip',
    clientPort: 'client_port',
    timeTaken: 'duration',
    timeToFirstByte: 'duration',
    requestProtocol: 'protocol',
    securityProtocol: D,
    securityCipher: D,
    securityCurves: D,
    endpoint: 'host',
    httpStatusCode: 'status',
    httpStatusDetails: D,
    pop: D,
    cacheStatus: D,
    matchedRulesSetName: D,
    routeName: D,
    routingRuleName: D,
    rulesEngineMatchNames: D,
    referer: 'referer',
    referrer: 'referer',
    errorInfo: D,
    ErrorInfo: D,
    result: D,
    originUrl: 'url',
    originURL: 'url',
    originIp: 'server_ip',
    originIP: 'server_ip',
    originName: 'host',
    // The origin as host:port — in the documentation's own examples an address.
    backendHostname: 'server_ip',
    sni: 'host',
    domain: 'host',
    clientCountry: D,
    isReceivedFromClient: D,
    sentToOriginShield: D,
  }),
};

const CATEGORIES = new Set(['FrontDoorAccessLog', 'FrontdoorAccessLog']);

export const AZURE_SPEC: JsonDocSpec = {
  names: Object.keys(AZURE_ROLES),
  roles: AZURE_ROLES,
  markers: ['AccessLog'],
  // The category, not operationName: Azure CDN's access log has Front Door Standard's operationName.
  accept(doc) {
    const c = doc.find(-1, 'category');
    const p = doc.find(-1, 'properties');
    return c >= 0 && doc.type[c] === T_STRING && CATEGORIES.has(doc.stringText(c)) && p >= 0 && doc.type[p] === T_OBJECT;
  },
  time: ['time', 'PreciseTimeStamp'],
  timeText: isoOrAnyText,
  timeNumber: epochNumber,
};

export const azureFrontdoorFormat = defineFormat({
  name: 'azure_frontdoor',
  description: 'Azure Front Door access logs (resource-log JSON, Standard/Premium and classic; one record per line)',
  options: {},
  autoOrder: 4,
  example: { lines: azureExampleLines },
  create: (_config, ctx) => new JsonDocFormat(AZURE_SPEC, ctx),
  describe: () => ({ layout: 'Azure Monitor resource-log JSON (category FrontDoorAccessLog/FrontdoorAccessLog); fields the policy does not name are left out', fields: Object.keys(AZURE_ROLES) }),
});
