/** `cloudfront`: headers, CloudFront's own URL-encoding layer, date + time. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFormat } from '../../../src/runtime/build.js';
import { anonymiseWith, restampedFixture, runText } from '../../helpers/cloud.js';
import { makeAnonymiser, makeEnv, policyFrom, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

const constructed = (): string => restampedFixture('cloudfront', 'cloudfront-constructed.log', T0);

describe('cloudfront', () => {
  it('catches an e-mail address CloudFront encoded twice (%2540), in the path, the referer and the query', () => {
    const { out: events } = anonymiseWith(env, 'cloudfront', constructed());
    const text = events.join('\n');
    const out = text.split('\n');
    expect(text).not.toMatch(/alice/);
    expect(text).not.toContain('46701234567');
    // What it writes back is encoded again the way CloudFront encodes: no raw space, bracket or quote.
    const entry = out[2]!.split('\t');
    // cs-uri-query is read as a query string: `id` is not on the allow-list, so its value goes too.
    expect(entry[11]).toBe('mail=%5Bredacted%5D&id=%5Bredacted%5D&phone=%5Bredacted%5D');
    expect(entry[10]).not.toMatch(/[ "[\]]/);
  });

  it('makes the event time from the separate date and time fields (UTC)', () => {
    const f = buildFormat(policyFrom(env).config, 'cloudfront');
    const line = '2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tcurl/8.5.0\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\td111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-';
    f.decode(line, 0, line.length);
    expect(f.event.time).toBe(Date.UTC(2019, 11, 4, 21, 2, 31));
  });

  it('writes each header block back once, before the first entry after it, and follows #Fields when it changes mid-file', () => {
    const { out: events, stats } = anonymiseWith(env, 'cloudfront', constructed());
    const out = events.join('\n').split('\n');
    expect(stats.headers).toBe(4);
    expect(out.join('\n').match(/^#Fields:/gm)).toHaveLength(2);
    expect(out[3]).toBe('#Version: 1.0');
    // The second layout's status 000 (viewer gone) is kept.
    expect(out[out.length - 1]!.split('\t')[5]).toBe('000');
  });

  it('drops cookies and the client port, truncates the viewer and X-Forwarded-For addresses', () => {
    const out = anonymiseWith(env, 'cloudfront', constructed()).out.join('\n').split('\n');
    const entry = out[2]!.split('\t');
    expect(entry[4]).toBe('2001:db8:cafe::');
    expect(entry[12]).toBe('-');
    expect(entry[19]).toBe('198.51.100.0');
    expect(entry[26]).toBe('-');
  });

  it('keeps one layout per segment: two files read in turn do not mix their #Fields', () => {
    const a = makeAnonymiser(env, policyFrom(env, JSON.stringify({ input: { format: 'cloudfront' } }), 'json').config);
    const one = constructed().split('\n');
    // Segment A reads the first block, segment B the second, then A goes on with a line of its layout.
    a.pipeline.segment('A');
    runText(a, `${one.slice(0, 2).join('\n')}\n`);
    a.pipeline.segment('B');
    runText(a, `${one.slice(3, 5).join('\n')}\n`);
    a.pipeline.segment('A');
    const out = runText(a, `${one[2]}\n`);
    expect(out.split('\n')[2]!.split('\t')[2]).toBe('LAX1');
    expect(a.stats.dropped.unparsed).toBe(0);
  });

  it('reads lines without a header in the 33-field legacy layout', () => {
    const data = restampedFixture('cloudfront', 'cloudfront.log', T0).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const { stats } = anonymiseWith(env, 'cloudfront', data.join('\n'));
    expect(stats.linesOut).toBe(6);
  });
});
