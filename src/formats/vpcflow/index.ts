/**
 * `vpcflow`: Amazon VPC flow logs
 * (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html):
 * the default version-2 layout, or a custom one named by the header line S3
 * deliveries start each file with (or by the `layout` option, for
 * CloudWatch deliveries, which have none). NODATA and SKIPDATA records (all
 * flow fields `-`) are records like any other. Account and interface ids
 * are identifiers; source and destination addresses are both truncated by
 * default, since either may be the internet host (NAT gateways, responses).
 */
import type { Role } from '../../event/vocabulary.js';
import { defineFormat } from '../format.js';
import { layoutOf, layoutOption } from '../cloudfront/index.js';
import { restamp } from '../engines/fields/restamp.js';
import { VPC_CHECKS, VpcFlowFormat } from './vpcflow-format.js';

/** Every field of every version (2–10), with its role. */
export const VPC_ROLES: Readonly<Record<string, Role>> = {
  version: 'dimension',
  'account-id': 'account',
  'interface-id': 'identifier',
  srcaddr: 'client_ip',
  dstaddr: 'server_ip',
  srcport: 'client_port',
  dstport: 'server_port',
  protocol: 'protocol',
  packets: 'dimension',
  bytes: 'bytes',
  start: 'time',
  end: 'time',
  action: 'dimension',
  'log-status': 'dimension',
  'vpc-id': 'identifier',
  'subnet-id': 'identifier',
  'instance-id': 'identifier',
  'tcp-flags': 'dimension',
  type: 'dimension',
  'pkt-srcaddr': 'client_ip',
  'pkt-dstaddr': 'server_ip',
  region: 'dimension',
  'az-id': 'dimension',
  'sublocation-type': 'dimension',
  'sublocation-id': 'dimension',
  'pkt-src-aws-service': 'dimension',
  'pkt-dst-aws-service': 'dimension',
  'flow-direction': 'direction',
  'traffic-path': 'dimension',
  'ecs-cluster-arn': 'identifier',
  'ecs-cluster-name': 'dimension',
  'ecs-container-instance-arn': 'identifier',
  'ecs-container-instance-id': 'identifier',
  'ecs-container-id': 'identifier',
  'ecs-second-container-id': 'identifier',
  'ecs-service-name': 'dimension',
  'ecs-task-definition-arn': 'identifier',
  'ecs-task-arn': 'identifier',
  'ecs-task-id': 'identifier',
  'reject-reason': 'dimension',
  'resource-id': 'identifier',
  'encryption-status': 'dimension',
};

/** The default format (version 2): every version-2 field in the documented order. */
export const VPC_V2_FIELDS = ['version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status'] as const;

/**
 * The example records of "Flow log record examples"
 * (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html):
 * accepted and rejected traffic, no data, skipped records, ICMP, IPv6. See
 * fixtures/vpcflow/README.md.
 */
export const VPC_DOC_LINES: readonly string[] = [
  '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
  '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK',
  '2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA',
  '2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA',
  '2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK',
  '2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK',
  '2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK',
];

export const vpcExampleLines = (ms: number): string[] =>
  restamp(VPC_DOC_LINES, ms, /\b1[45]\d{8}\b/g, (m) => Number(m) * 1000, (t) => String(Math.floor(t / 1000)));

export const vpcflowFormat = defineFormat({
  name: 'vpcflow',
  description: 'Amazon VPC flow logs: the default v2 layout, or a custom one from the file\'s header line (or the layout option)',
  options: { layout: layoutOption },
  autoOrder: 15,
  example: { lines: vpcExampleLines },
  create: (config, ctx) => new VpcFlowFormat(VPC_ROLES, VPC_CHECKS, layoutOf(config) ?? VPC_V2_FIELDS, ctx),
  check(config, at) {
    const layout = layoutOf(config);
    const unknown = layout?.filter((n) => !Object.hasOwn(VPC_ROLES, n)) ?? [];
    // The names are not repeated: a config value may be anything an operator pasted.
    return unknown.length === 0 ? [] : [{ path: [...at, 'layout'], message: `${unknown.length} of the names are not flow-log fields`, fix: 'use the field names of the flow log format (version account-id interface-id …), as in the header line of an S3 delivery' }];
  },
  describe: (config) => ({
    layout: 'space-separated flow log records; a header line names the fields of a custom format',
    fields: layoutOf(config) ?? [...VPC_V2_FIELDS],
    note: 'event time: start (end if the layout has no start); a layout without either needs input.missing_timestamp: arrival',
  }),
});
