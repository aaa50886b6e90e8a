/**
 * The built-in components, one line each. A new format, source, sink or
 * transform lives in its own folder and is added here.
 */
import { albFormat } from './formats/alb/index.js';
import { azureFrontdoorFormat } from './formats/azure_frontdoor/index.js';
import { caddyFormat } from './formats/caddy/index.js';
import { cdrFormat } from './formats/cdr/index.js';
import { cloudflareFormat } from './formats/cloudflare/index.js';
import { cloudfrontFormat } from './formats/cloudfront/index.js';
import { combinedFormat } from './formats/combined/index.js';
import { commonFormat } from './formats/common/index.js';
import { elbFormat } from './formats/elb/index.js';
import { templateFormat } from './formats/engines/template/entry.js';
import { gcpLbFormat } from './formats/gcp_lb/index.js';
import { haproxyFormat } from './formats/haproxy/index.js';
import { iisFormat } from './formats/iis/index.js';
import { jsonFormat } from './formats/json/index.js';
import { s3Format } from './formats/s3/index.js';
import { vhostCombinedFormat } from './formats/vhost_combined/index.js';
import { vpcflowFormat } from './formats/vpcflow/index.js';
import { w3cFormat } from './formats/w3c/index.js';
import { Registry } from './registry.js';
import { fileSink } from './sinks/file/index.js';
import { kafkaSink } from './sinks/kafka/index.js';
import { stdoutSink } from './sinks/stdout/index.js';
import { fifoSource } from './sources/fifo/index.js';
import { fileSource } from './sources/file/index.js';
import { kafkaSource } from './sources/kafka/index.js';
import { stdinSource } from './sources/stdin/index.js';
import { duckdbStore } from './stores/duckdb/index.js';
import { syslogSource } from './sources/syslog/index.js';
import { dropTransform } from './transforms/drop/index.js';
import { generaliseCellTransform } from './transforms/generalise-cell/index.js';
import { generaliseUserAgentTransform } from './transforms/generalise-user-agent/index.js';
import { keepOwnIpTransform } from './transforms/keep-own-ip/index.js';
import { keepTransform } from './transforms/keep/index.js';
import { pseudonymiseNumberTransform } from './transforms/pseudonymise-number/index.js';
import { pseudonymiseTransform } from './transforms/pseudonymise/index.js';
import { redactTransform } from './transforms/redact/entry.js';
import { truncateIpTransform } from './transforms/truncate-ip/index.js';
import { visitorIdTransform } from './transforms/visitor-id/index.js';

/**
 * Every built-in component.
 *
 * @example
 * components.source('syslog')?.describe(config, ctx)
 */
export const components = new Registry([
  // formats
  jsonFormat,
  vhostCombinedFormat,
  combinedFormat,
  commonFormat,
  templateFormat,
  albFormat,
  elbFormat,
  s3Format,
  cloudfrontFormat,
  vpcflowFormat,
  gcpLbFormat,
  cloudflareFormat,
  azureFrontdoorFormat,
  w3cFormat,
  iisFormat,
  haproxyFormat,
  caddyFormat,
  cdrFormat,
  // sources
  fileSource,
  syslogSource,
  stdinSource,
  fifoSource,
  kafkaSource,
  // sinks
  fileSink,
  stdoutSink,
  kafkaSink,
  // transforms
  keepTransform,
  dropTransform,
  truncateIpTransform,
  pseudonymiseTransform,
  redactTransform,
  generaliseUserAgentTransform,
  visitorIdTransform,
  keepOwnIpTransform,
  pseudonymiseNumberTransform,
  generaliseCellTransform,
  // stores
  duckdbStore,
]);
