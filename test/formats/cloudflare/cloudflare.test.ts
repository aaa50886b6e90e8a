/** `cloudflare`: Logpush http_requests — timestamp forms, big integers, header maps. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFormat } from '../../../src/runtime/build.js';
import { anonymiseWith } from '../../helpers/cloud.js';
import { makeEnv, policyFrom, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

const ns = `${BigInt(T0 - 60_000) * 1_000_000n + 300n}`;

describe('cloudflare', () => {
  it('reads unixnano, unix and RFC 3339 timestamps, as the job chose', () => {
    const f = buildFormat(policyFrom(env).config, 'cloudflare');
    for (const ts of [ns, String(Math.floor((T0 - 60_000) / 1000)), `"${new Date(T0 - 60_000).toISOString()}"`]) {
      const line = `{"ClientIP":"89.163.242.206","EdgeStartTimestamp":${ts},"RayID":"3a6050bcbe121a87"}`;
      expect(f.decode(line, 0, line.length), ts).not.toBe(0);
      expect(f.event.time).toBe(T0 - 60_000);
    }
  });

  it('writes a nanosecond timestamp beyond 2^53 back exactly as it came', () => {
    const { out } = anonymiseWith(env, 'cloudflare', `{"ClientIP":"89.163.242.206","EdgeStartTimestamp":${ns},"RayID":"3a6050bcbe121a87"}`);
    expect(out[0]).toContain(`"EdgeStartTimestamp":${ns}`);
    expect(out[0]).toContain('"ClientIP":"89.163.242.0"');
    expect(out[0]).not.toContain('3a6050bcbe121a87');
  });

  it('leaves out cookie and header maps, but keeps a header the policy names', () => {
    const line = `{"ClientIP":"89.163.242.206","EdgeStartTimestamp":${ns},"RayID":"3a6050bcbe121a87","Cookies":{"session":"abc123"},"RequestHeaders":{"cf-access-user":"alice@example.com","x-build":"v42"}}`;
    const { out } = anonymiseWith(env, 'cloudflare', line, { formats: { cloudflare: { fields: { 'RequestHeaders.x-build': 'keep' } } } });
    expect(out[0]).not.toContain('abc123');
    expect(out[0]).not.toContain('alice');
    expect(out[0]).toContain('"RequestHeaders":{"x-build":"v42"}');
  });

  it('is not a JSON log that happens to have a RayID: every key of the dataset is PascalCase', () => {
    const { stats } = anonymiseWith(env, 'cloudflare', `{"RayID":"3a6050bcbe121a87","time":"${new Date(T0).toISOString()}","user":"alice"}`);
    expect(stats.dropped.unparsed).toBe(1);
  });
});
