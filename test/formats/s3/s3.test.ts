/** `s3`: S3 server access logs — requesters, presigned URLs, the bracketed time. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFormat } from '../../../src/runtime/build.js';
import { anonymiseWith, restampedFixture } from '../../helpers/cloud.js';
import { makeEnv, policyFrom, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

const lines = (): string[] => restampedFixture('s3', 's3-constructed.log', T0).trim().split('\n');

describe('s3', () => {
  it('drops the access key id and the signature of a presigned URL (X-Amz-Credential, X-Amz-Signature)', () => {
    const { out } = anonymiseWith(env, 's3', lines()[0]!);
    expect(out[0]).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(out[0]).not.toContain('aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
    expect(out[0]).toContain('X-Amz-Credential=');
  });

  it('pseudonymises requesters whole: IAM users, and SSO sessions whose name is an e-mail address', () => {
    const { out } = anonymiseWith(env, 's3', lines().join('\n'));
    const text = out.join('\n');
    for (const secret of ['alice', '@', 'arn:aws', '123456789012', '79a59df900b9']) expect(text).not.toContain(secret);
  });

  it('gives the bucket owner and a requester with the same canonical id one pseudonym', () => {
    const { out } = anonymiseWith(env, 's3', lines()[2]!);
    const fields = out[0]!.split(' ');
    expect(fields[0]).toBe(fields[5]);
  });

  it('reads the bracketed time with its space, and the GET half of a copy (no HTTP version)', () => {
    const f = buildFormat(policyFrom(env).config, 's3');
    const line = lines()[2]!;
    expect(f.decode(line, 0, line.length)).not.toBe(0);
    expect(f.event.time).toBe(T0 - 3 * 60_000);
    expect(f.event.raw(f.event.layout.names.indexOf('request_uri'))).toBe('GET /DOC-EXAMPLE-BUCKET1/photos/2019/08/puppy.jpg?x-foo=bar');
  });

  it('truncates an IPv6 remote address', () => {
    const { out } = anonymiseWith(env, 's3', lines()[0]!);
    expect(out[0]).toContain(' 2001:db8:4f:: ');
  });
});
