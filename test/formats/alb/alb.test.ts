/** `alb`: the quirks of AWS Application Load Balancer logs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALB_DOC_LINES, albExampleLines } from '../../../src/formats/alb/example.js';
import { Tokens } from '../../../src/formats/engines/columns/tokens.js';
import { buildFormat } from '../../../src/runtime/build.js';
import { anonymiseWith, restampedFixture } from '../../helpers/cloud.js';
import { makeEnv, policyFrom, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

const constructed = (): string[] => restampedFixture('alb', 'alb-constructed.log', T0).trim().split('\n');

describe('alb', () => {
  it('splits an unbracketed IPv6 client:port at the last colon', () => {
    const f = buildFormat(policyFrom(env).config, 'alb');
    const line = constructed()[0]!;
    f.decode(line, 0, line.length);
    const names = f.event.layout.names;
    expect(f.event.raw(names.indexOf('client_ip'))).toBe('2001:db8:85a3::8a2e:370:7334');
    expect(f.event.raw(names.indexOf('client_port'))).toBe('52811');
    expect(f.event.raw(names.indexOf('target_ip'))).toBe('2001:db8:10::a');
  });

  it('truncates client and target addresses, drops the client port and leaves the colon, so the line still parses', () => {
    const { out } = anonymiseWith(env, 'alb', constructed()[0]!);
    expect(out[0]).toContain(' 2001:db8:85a3::: 2001:db8:10:::8443 ');
    expect(out[0]).not.toContain('7334');
  });

  it('drops fields appended after the known 33 (a load balancer node address among them), keeping the field count', () => {
    const line = constructed()[2]!;
    const { out } = anonymiseWith(env, 'alb', line);
    expect(out[0]).not.toContain('3.34.116.99');
    expect(out[0]!.endsWith(' - "-" "-"')).toBe(true);
  });

  it('redacts the redirect URL and the request (which repeat the query), and pseudonymises trace ids that carry application fields', () => {
    const { out } = anonymiseWith(env, 'alb', constructed().join('\n'));
    const text = out.join('\n');
    for (const secret of ['alice', 'eyJhbGciOiJIUzI1NiJ9', 'Root=1-58337327', '123456789012']) expect(text).not.toContain(secret);
  });

  it('reads the malformed request ALB logs ("- http://host:80- -") and -1 times', () => {
    const { out, stats } = anonymiseWith(env, 'alb', constructed()[1]!);
    expect(stats.linesOut).toBe(1);
    expect(out[0]).toContain(' -1 -1 -1 400 - 0 272 "- http://');
    expect(stats.rejected).toEqual({});
  });

  it('reads lines with the 18 fields of the first ALB logs (fields are appended over the years)', () => {
    const full = albExampleLines(T0)[0]!;
    const t = new Tokens();
    t.split(full, 0, full.length, false);
    const line = full.slice(0, t.outerEnds[17]);
    const { out, stats } = anonymiseWith(env, 'alb', line);
    expect(stats.linesOut, line).toBe(1);
    expect(new Tokens().split(out[0]!, 0, out[0]!.length, false)).toBe(18);
  });

  it('takes the event time from time (when the response was sent), not request_creation_time', () => {
    const f = buildFormat(policyFrom(env).config, 'alb');
    const line = albExampleLines(T0)[0]!;
    f.decode(line, 0, line.length);
    expect(f.event.time).toBe(Date.parse(line.split(' ')[1]!));
  });

  it('keeps the operator\'s own targets whole with keep-own-ip', () => {
    const line = albExampleLines(T0)[0]!;
    const { out } = anonymiseWith(env, 'alb', line, { formats: { alb: { fields: { target_ip: { transform: 'keep-own-ip', own: ['10.0.0.0/8'] } } } } });
    expect(out[0]).toContain(' 10.0.0.1:80 ');
    expect(out[0]).not.toContain('192.168.131.39');
  });

  it('prints its documented examples unchanged apart from the time', () => {
    expect(albExampleLines(Date.parse('2018-07-02T22:24:00.186Z'))[0]).toBe(ALB_DOC_LINES[0]);
  });
});
