/** `w3c`: directives, #Fields changing mid-file, the W3C draft's own example. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymiseWith, restampedFixture } from '../../helpers/cloud.js';
import { DAY, makeEnv, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

describe('w3c', () => {
  it('dates entries that carry only a time of day with the #Date directive (the draft\'s example)', () => {
    const { a, stats } = anonymiseWith(env, 'w3c', restampedFixture('w3c', 'w3c.log', T0));
    expect(stats.linesOut).toBe(4);
    const d = new Date(T0 - DAY);
    expect(a.lastEventTime).toBe(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 12, 57, 34));
  });

  it('follows a new #Fields block mid-file, reads IIS\'s + for spaces, and keeps the directives but #Remark', () => {
    const text = restampedFixture('iis', 'iis-constructed.log', T0).replace('#Version: 1.0\r\n#Date', '#Version: 1.0\r\n#Remark: call alice on +46701234567\r\n#Date');
    const { out, stats } = anonymiseWith(env, 'w3c', text);
    expect(stats.linesOut).toBe(4);
    const all = out.join('\n');
    expect(all).not.toContain('#Remark');
    expect(all.match(/^#Fields:/gm)).toHaveLength(2);
    // DOMAIN\user pseudonymised, the mapped and the zone-id addresses truncated (the zone dropped), the cookie dropped.
    expect(all).not.toMatch(/alice|EXAMPLE\\|203\.0\.113\.9|%3|ASP\.NET_SessionId|198\.51\.100\.8/);
    expect(all).toContain('::ffff:203.0.113.0');
    // X-Forwarded-For's list (IIS writes "a,+b") truncated item by item.
    expect(all).toContain('203.0.113.0,+198.51.100.0');
  });

  it('reads no line before a #Fields header unless the layout option names the fields', () => {
    const lines = '2031-03-14 11:00:00 GET /x\n';
    expect(anonymiseWith(env, 'w3c', lines).stats.dropped.unparsed).toBe(1);
    expect(anonymiseWith(env, 'w3c', lines, { formats: { w3c: { layout: 'date time cs-method cs-uri' } } }).stats.linesOut).toBe(1);
  });
});
