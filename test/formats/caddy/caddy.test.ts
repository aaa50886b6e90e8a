/** `caddy`: header lists, credentials, the other loggers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caddyExampleLines } from '../../../src/formats/caddy/example.js';
import { anonymiseWith } from '../../helpers/cloud.js';
import { makeEnv, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

describe('caddy', () => {
  it('truncates remote_ip and client_ip, drops the port, generalises the user agent in its list', () => {
    const { out } = anonymiseWith(env, 'caddy', caddyExampleLines(T0)[1]!);
    const doc = JSON.parse(out[0]!) as { request: { remote_ip: string; client_ip: string; remote_port?: string; headers: Record<string, string[]> } };
    expect(doc.request.remote_ip).toBe('10.0.0.0');
    expect(doc.request.client_ip).toBe('203.0.113.0');
    expect(doc.request.remote_port).toBeUndefined();
    expect(doc.request.headers['User-Agent']).toHaveLength(1);
    expect(doc.request.headers['User-Agent']![0]).not.toContain('rv:124');
    expect(doc.request.headers['X-Forwarded-For']).toEqual(['203.0.113.0']);
  });

  it('drops Cookie and Authorization, with or without log_credentials', () => {
    const line = caddyExampleLines(T0)[1]!.replace('"Cookie":["REDACTED"]', '"Cookie":["sid=s3cr3t"],"Authorization":["Basic YWxpY2U6cHc="]');
    const { out } = anonymiseWith(env, 'caddy', line);
    expect(out[0]).not.toContain('Cookie');
    expect(out[0]).not.toContain('Authorization');
    expect(out[0]).not.toContain('s3cr3t');
  });

  it('writes the float ts back to the last digit', () => {
    const line = caddyExampleLines(T0)[0]!;
    const { out } = anonymiseWith(env, 'caddy', line);
    expect(out[0]).toContain(/"ts":[\d.]+/.exec(line)![0]);
  });

  it('does not read Caddy\'s other loggers (reverse proxy, TLS)', () => {
    const line = caddyExampleLines(T0)[0]!.replace('"logger":"http.log.access"', '"logger":"http.handlers.reverse_proxy"');
    expect(anonymiseWith(env, 'caddy', line).stats.dropped.unparsed).toBe(1);
  });
});
