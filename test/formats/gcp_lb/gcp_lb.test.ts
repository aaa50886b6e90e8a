/** `gcp_lb`: Cloud Logging entries of Google's load balancers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GCP_LB_DOC_LINES } from '../../../src/formats/gcp_lb/index.js';
import { anonymiseWith, restampText } from '../../helpers/cloud.js';
import { makeEnv, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

const lines = (): string[] => restampText('gcp_lb', GCP_LB_DOC_LINES.join('\n'), T0).trim().split('\n');

describe('gcp_lb', () => {
  it('truncates remoteIp, also when it carries a port, and keeps sizes as the strings they are', () => {
    const { out } = anonymiseWith(env, 'gcp_lb', lines()[1]!);
    const doc = JSON.parse(out[0]!) as { httpRequest: Record<string, unknown>; jsonPayload: Record<string, unknown> };
    expect(doc.httpRequest.remoteIp).toBe('202.8.105.0');
    expect(doc.jsonPayload.remoteIp).toBe('202.8.105.0');
    expect(doc.httpRequest.requestSize).toBe('1204');
    expect(doc.httpRequest.status).toBe(200);
    expect(doc.httpRequest.latency).toBe('0.007911s');
  });

  it('leaves out free-form labels and members it does not know, and pseudonymises the project', () => {
    const line = lines()[0]!.replace('"severity":"INFO"', '"severity":"INFO","labels":{"user":"alice@example.com"},"sourceLocation":{"file":"x.go"}');
    const { out } = anonymiseWith(env, 'gcp_lb', line);
    expect(out[0]).not.toContain('alice');
    const doc = JSON.parse(out[0]!) as Record<string, unknown>;
    expect(doc.labels).toBeUndefined();
    expect(doc.sourceLocation).toBeUndefined();
    expect(out[0]).not.toContain('PROJECT_ID');
  });

  it('is not a Cloud Run or App Engine entry, which have an httpRequest too', () => {
    const run = lines()[0]!.replace('"type":"http_load_balancer"', '"type":"cloud_run_revision"').replace('LoadBalancerLogEntry', 'RequestLog');
    expect(anonymiseWith(env, 'gcp_lb', run).stats.dropped.unparsed).toBe(1);
  });
});
