/**
 * `s3`: Amazon S3 server access logs
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html).
 * Space-separated; the time is bracketed with a space inside
 * (`[06/Feb/2019:00:00:38 +0000]`); any field may be `-`; AWS appends new
 * fields, which are accepted and written as `-`. The requester is a
 * canonical user id, an IAM ARN or an assumed-role session (whose name is
 * often an e-mail address): pseudonymised whole. Presigned requests carry
 * the access key id and the signature in the Request-URI's query, where the
 * redactor replaces them.
 */
import type { Role } from '../../event/vocabulary.js';
import { defineFormat } from '../format.js';
import { countOrDash, statusOrDash, token } from '../engines/fields/checks.js';
import { addressLike } from '../engines/fields/text.js';
import { createClfReader } from '../engines/fields/time.js';
import { type Column, ColumnsFormat, columnNames, type ColumnsSpec } from '../engines/columns/columns-format.js';
import { s3ExampleLines } from './example.js';

/** An operation: REST.GET.OBJECT, WEBSITE.GET.OBJECT, S3.EXPIRE.OBJECT, BATCH.DELETE.OBJECT … */
const operation = (src: string, s: number, e: number): boolean => {
  const dot = src.indexOf('.', s);
  if (dot <= s || dot >= e) return false;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 95)) return false;
  }
  return true;
};

const COLUMNS: readonly Column[] = [
  // A canonical id (64 hex), or its pseudonym in gallra's own output: S3 is told apart by the bracketed time and the operation.
  { kind: 'plain', name: 'bucket_owner', check: token },
  { kind: 'plain', name: 'bucket', check: token },
  { kind: 'bracket', name: 'time', dash: true },
  { kind: 'plain', name: 'remote_ip', check: addressLike },
  { kind: 'plain', name: 'requester' },
  { kind: 'plain', name: 'request_id', check: token },
  { kind: 'plain', name: 'operation', check: operation },
  { kind: 'plain', name: 'key' },
  { kind: 'quoted', name: 'request_uri', dash: true },
  { kind: 'plain', name: 'http_status', check: statusOrDash },
  { kind: 'plain', name: 'error_code', check: token },
  { kind: 'plain', name: 'bytes_sent', check: countOrDash },
  { kind: 'plain', name: 'object_size', check: countOrDash },
  { kind: 'plain', name: 'total_time', check: countOrDash },
  { kind: 'plain', name: 'turn_around_time', check: countOrDash },
  { kind: 'quoted', name: 'referer', dash: true },
  { kind: 'quoted', name: 'user_agent', dash: true },
  { kind: 'plain', name: 'version_id' },
  { kind: 'plain', name: 'host_id' },
  { kind: 'plain', name: 'signature_version', check: token },
  { kind: 'plain', name: 'cipher_suite', check: token },
  { kind: 'plain', name: 'authentication_type', check: token },
  { kind: 'plain', name: 'host_header' },
  { kind: 'plain', name: 'tls_version', check: token },
  { kind: 'plain', name: 'access_point_arn' },
  { kind: 'plain', name: 'acl_required', check: token },
];

export const S3_ROLES: Readonly<Record<string, Role>> = {
  bucket_owner: 'identifier',
  // Bucket names are DNS names (they are the host of virtual-hosted requests).
  bucket: 'host',
  time: 'time',
  remote_ip: 'client_ip',
  requester: 'identifier',
  request_id: 'identifier',
  operation: 'dimension',
  key: 'path',
  request_uri: 'request',
  http_status: 'status',
  error_code: 'dimension',
  bytes_sent: 'bytes_out',
  object_size: 'bytes',
  total_time: 'duration',
  turn_around_time: 'duration',
  referer: 'referer',
  user_agent: 'user_agent',
  version_id: 'identifier',
  host_id: 'identifier',
  signature_version: 'dimension',
  cipher_suite: 'dimension',
  authentication_type: 'dimension',
  host_header: 'host',
  tls_version: 'protocol',
  access_point_arn: 'identifier',
  acl_required: 'dimension',
};

export const S3_SPEC: ColumnsSpec = {
  columns: COLUMNS,
  // Bucket Owner … Version Id: what every S3 log since 2018 has.
  minColumns: 18,
  maxExtra: 16,
  roles: S3_ROLES,
  time: 'time',
  timeReader: () => createClfReader(),
};

export const s3Format = defineFormat({
  name: 's3',
  description: 'Amazon S3 server access logs ([time +0000] with a space; canonical ids, ARNs and presigned URLs)',
  options: {},
  autoOrder: 13,
  example: { lines: s3ExampleLines },
  create: (_config, ctx) => new ColumnsFormat(S3_SPEC, ctx),
  describe: () => ({ layout: 'bucket_owner bucket [time] remote_ip requester request_id operation key "request_uri" … (S3 server access log)', fields: columnNames(COLUMNS), appendedDropped: true }),
});
