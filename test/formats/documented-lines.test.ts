/**
 * Every cloud format over its fixtures (the documentation's example lines,
 * and the constructed edge cases beside them): every line parses, and under
 * a policy that keeps every field the output is the input byte for byte —
 * header lines included, written before the first event after them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_FILES, keepAllPolicy, restampedFixture, runText } from '../helpers/cloud.js';
import { makeAnonymiser, makeEnv, T0, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

/** Fixture files whose lines carry fields gallra drops whatever the policy (fields appended after the known ones). */
const NOT_IDENTICAL = new Set(['alb-constructed.log', 's3-constructed.log']);
/** Options some fixtures need (HAProxy's captured headers are named by position). */
const OPTIONS: Record<string, Record<string, unknown>> = {
  haproxy: { request_captures: ['http_host', 'http_user_agent', 'http_x_forwarded_for'], response_captures: ['resp_a', 'resp_b', 'resp_c', 'resp_d', 'resp_e'] },
};
/** Lines of a fixture with no time (the NAT example's layout has none): read with missing_timestamp: arrival. */
const NO_TIME = new Set(['vpcflow-nat.log', 'vpcflow-tgw.log']);

describe('documented lines', () => {
  for (const [format, files] of Object.entries(FIXTURE_FILES)) {
    for (const file of files) {
      it(`${format}/${file}: every line parses, and a policy keeping every field writes it back byte for byte`, () => {
        const text = restampedFixture(format, file, T0);
        const policy = keepAllPolicy(env, format, { ...OPTIONS[format] });
        const a = makeAnonymiser(env, { ...policy, input: { ...policy.input, format, missing_timestamp: NO_TIME.has(file) ? 'arrival' : 'drop' } });
        const out = runText(a, text);
        const stats = a.stats;
        expect(stats.dropped.unparsed, `${file}: ${JSON.stringify(stats.toJSON())}`).toBe(0);
        expect(stats.droppedTotal, JSON.stringify(stats.toJSON())).toBe(0);
        expect(stats.rejected, 'kept values that failed their role\'s shape').toEqual({});
        // CRLF is written LF; a UTF-8 byte-order mark at the start of the input is read past (the UTF-8 decoder drops it).
        const lf = text.replace(/\r\n/g, '\n').replace(/^\uFEFF/, '');
        if (!NOT_IDENTICAL.has(file)) expect(out).toBe(lf);
        else expect(out.split('\n').length).toBe(lf.split('\n').length);
      });
    }
  }
});
