/**
 * The Standard/Premium and the classic access-log records of "Tune Azure Web
 * Application Firewall for Azure Front Door"
 * (https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-tuning),
 * compacted from the page's pretty-printed JSON to one line each (whitespace
 * only). See fixtures/azure_frontdoor/README.md.
 */
import { readIso, restamp, RFC3339_UTC, writeIsoLike } from '../engines/fields/restamp.js';

export const AZURE_DOC_LINES: readonly string[] = [
  '{"time":"2020-09-24T16:43:04.5430764Z","resourceId":"/SUBSCRIPTIONS/<Subscription ID>/RESOURCEGROUPS/<Resource Group Name>/PROVIDERS/MICROSOFT.CDN/PROFILES/AFDWAFDEMOSITE","category":"FrontDoorAccessLog","operationName":"Microsoft.Cdn/Profiles/AccessLog/Write","properties":{"trackingReference":"0mMxsXwAAAABEalekYeI4S55qpi5R7R0/V1NURURHRTA4MTIAZGI4NGQzZDgtNWQ5Ny00ZWRkLTg2ZGYtZDJjNThlMzI2N2I4","httpMethod":"POST","httpVersion":"1.1","requestUri":"http://afdwafdemosite.azurefd.net:80/api/Feedbacks/","requestBytes":"2160","responseBytes":"324","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/85.0.4183.83 Safari/537.36","clientIp":"1.1.1.1","socketIp":"1.1.1.1","clientPort":"53566","timeToFirstByte":"0.01","timeTaken":"0.011","securityProtocol":"","routingRuleName":"DemoBERoutingRule","rulesEngineMatchNames":[],"backendHostname":"13.88.65.130:3000","isReceivedFromClient":true,"httpStatusCode":"403","httpStatusDetails":"403","pop":"WST","cacheStatus":"CONFIG_NOCACHE"}}',
  '{"time":"2020-09-24T16:43:04.5430764Z","resourceId":"/SUBSCRIPTIONS/<Subscription ID>/RESOURCEGROUPS/<Resource Group Name>/PROVIDERS/MICROSOFT.NETWORK/FRONTDOORS/AFDWAFDEMOSITE","category":"FrontdoorAccessLog","operationName":"Microsoft.Network/FrontDoor/AccessLog/Write","properties":{"trackingReference":"0mMxsXwAAAABEalekYeI4S55qpi5R7R0/V1NURURHRTA4MTIAZGI4NGQzZDgtNWQ5Ny00ZWRkLTg2ZGYtZDJjNThlMzI2N2I4","httpMethod":"POST","httpVersion":"1.1","requestUri":"http://afdwafdemosite.azurefd.net:80/api/Feedbacks/","requestBytes":"2160","responseBytes":"324","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/85.0.4183.83 Safari/537.36","clientIp":"1.1.1.1","socketIp":"1.1.1.1","clientPort":"53566","timeToFirstByte":"0.01","timeTaken":"0.011","securityProtocol":"","routingRuleName":"DemoBERoutingRule","rulesEngineMatchNames":[],"backendHostname":"13.88.65.130:3000","isReceivedFromClient":true,"httpStatusCode":"403","httpStatusDetails":"403","pop":"WST","cacheStatus":"CONFIG_NOCACHE"}}',
];

export const azureExampleLines = (ms: number): string[] => restamp(AZURE_DOC_LINES, ms, RFC3339_UTC, readIso, writeIsoLike);
