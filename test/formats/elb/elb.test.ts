/** `elb`: Classic Load Balancer lines, TCP and SSL listeners included. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elbExampleLines } from '../../../src/formats/elb/example.js';
import { anonymiseWith } from '../../helpers/cloud.js';
import { makeEnv, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

describe('elb', () => {
  it('reads TCP and SSL listener lines: the request "- - - " and - for both statuses stay as they are', () => {
    const [, , tcp, ssl] = elbExampleLines(T0);
    const { out, stats } = anonymiseWith(env, 'elb', `${tcp}\n${ssl}`);
    expect(stats.linesOut).toBe(2);
    expect(stats.rejected).toEqual({});
    for (const line of out) expect(line).toMatch(/ - - \d+ \d+ "- - - " "-" /);
    expect(out[0]).toContain('"- - - " "-" - -');
    expect(out[0]).toContain(' 192.168.131.0: 10.0.0.0:80 ');
  });

  it('is not alb: a Classic line starts with the time, an ALB line with its type', () => {
    const { stats } = anonymiseWith(env, 'alb', elbExampleLines(T0).join('\n'));
    expect(stats.dropped.unparsed).toBe(4);
  });
});
