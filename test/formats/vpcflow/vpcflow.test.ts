/** `vpcflow`: default and custom layouts, NODATA/SKIPDATA, identifiers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymiseWith, restampedFixture } from '../../helpers/cloud.js';
import { makeEnv, policyFrom, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

describe('vpcflow', () => {
  it('reads NODATA and SKIPDATA records, and pseudonymises account and interface ids in their own namespaces', () => {
    const { out, stats } = anonymiseWith(env, 'vpcflow', restampedFixture('vpcflow', 'vpcflow.log', T0));
    expect(stats.linesOut).toBe(7);
    expect(out[2]).toMatch(/ - - - - - - - \d{10} \d{10} - NODATA$/);
    const text = out.join('\n');
    expect(text).not.toContain('123456789010');
    expect(text).not.toContain('eni-');
    // The same account id and interface id would get different pseudonyms: different namespaces.
    const [, account, iface] = out[0]!.split(' ');
    expect(account).not.toBe(iface);
  });

  it('reads the layout from the header line of an S3 delivery, and writes the header back first', () => {
    const { out, stats } = anonymiseWith(env, 'vpcflow', restampedFixture('vpcflow', 'vpcflow-v5.log', T0));
    expect(stats.linesOut).toBe(2);
    expect(out[0]!.split('\n')[0]).toMatch(/^version srcaddr dstaddr /);
    const fields = out[0]!.split('\n')[1]!.split(' ');
    expect(fields[1]).toBe('52.95.128.0');
    expect(fields[3]).toBe('-');
    expect(fields[27]).toBe('ingress');
  });

  it('reads a headerless custom layout named by the layout option, and refuses unknown names in it', () => {
    const lines = restampedFixture('vpcflow', 'vpcflow-v5.log', T0).split('\n');
    const { stats } = anonymiseWith(env, 'vpcflow', lines.slice(1).join('\n'), { formats: { vpcflow: { layout: lines[0] } } });
    expect(stats.linesOut).toBe(2);
    let message = '';
    try {
      policyFrom(env, JSON.stringify({ formats: { vpcflow: { layout: 'version alice@example.com' } } }), 'json');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('formats.vpcflow.layout');
    // The names are not repeated: a config value may be anything an operator pasted.
    expect(message).not.toContain('alice');
  });

  it('needs input.missing_timestamp: arrival for a layout without start or end (the NAT gateway example)', () => {
    const text = restampedFixture('vpcflow', 'vpcflow-nat.log', T0);
    expect(anonymiseWith(env, 'vpcflow', text).stats.dropped.no_timestamp).toBe(6);
    const { out } = anonymiseWith(env, 'vpcflow', text, { input: { missing_timestamp: 'arrival' } });
    expect(out).toHaveLength(6);
    expect(out.join('\n')).not.toContain('203.0.113.5');
  });
});
