/** `iis`: w3c with IIS's default layout for lines that come without a header. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymiseWith, restampedFixture } from '../../helpers/cloud.js';
import { makeEnv, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

describe('iis', () => {
  it('reads headerless lines in IIS\'s default 15-field layout, with + for spaces in the user agent', () => {
    const data = restampedFixture('iis', 'iis-constructed.log', T0).split('\r\n').filter((l) => /^\d{4}-/.test(l)).slice(0, 3);
    const { out, stats } = anonymiseWith(env, 'iis', data.join('\n'));
    expect(stats.linesOut).toBe(3);
    // The generalised user agent is written with + again.
    expect(out[0]!.split(' ')[9]).toMatch(/^[^ ]+\+/);
    expect(out.join('\n')).not.toContain('alice');
  });
});
