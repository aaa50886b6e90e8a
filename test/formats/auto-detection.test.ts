/**
 * Auto-detection over every fixture: each file's lines are read by its own
 * format and by no other; a format named explicitly reads none of another
 * format's lines (nginx combined, common and vhost_combined included, both
 * ways); a mixed file is read line by line, each by its own format.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { components } from '../../src/components.js';
import { FIXTURES } from '../helpers/cli.js';
import { FIXTURE_FILES, fixtureText, restampedFixture, restampText, runText } from '../helpers/cloud.js';
import { makeAnonymiser, makeEnv, policyFrom, T0, type TestEnv } from '../helpers/env.js';
import { clfTime } from '../helpers/lines.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

/** The format auto-detection reports for a fixture's lines: IIS files are read by w3c (iis is its alias for headerless IIS lines). */
const DETECTED_AS: Record<string, string> = { iis: 'w3c' };
/** Formats of one family: w3c and its alias iis read each other's files on purpose. */
const SAME_FAMILY = new Set(['iis/w3c', 'w3c/iis']);

/** nginx/Apache sample lines stamped near T0 (the text formats gallra had before). */
function nginxLines(): Record<string, string> {
  const restampClf = (text: string): string => text.replace(/\[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]/g, () => `[${clfTime(T0 - 3_600_000)}]`);
  return {
    combined: restampClf(readFileSync(join(FIXTURES, 'combined', 'access.log'), 'utf8')),
    common: restampClf(readFileSync(join(FIXTURES, 'common', 'access.log'), 'utf8')),
    vhost_combined: restampClf(readFileSync(join(FIXTURES, 'vhost', 'access.log'), 'utf8')),
  };
}

function decodedBy(format: string, text: string): Record<string, number> {
  const a = makeAnonymiser(env, policyFrom(env, JSON.stringify({ input: { format, missing_timestamp: 'arrival' } }), 'json').config);
  runText(a, text);
  return { ...a.stats.decoded };
}

const CLOUD = Object.keys(FIXTURE_FILES);

describe('auto-detection', () => {
  it('tries the JSON formats before generic json and the cloud text formats before the nginx ones', () => {
    const order = components.autoFormats().map((f) => f.name);
    for (const f of ['gcp_lb', 'cloudflare', 'azure_frontdoor', 'caddy', 'cdr']) expect(order.indexOf(f), f).toBeLessThan(order.indexOf('json'));
    for (const f of ['alb', 'elb', 's3', 'haproxy', 'vpcflow', 'cloudfront', 'w3c']) expect(order.indexOf(f), f).toBeLessThan(order.indexOf('vhost_combined'));
    expect(order).not.toContain('iis');
  });

  for (const [format, files] of Object.entries(FIXTURE_FILES)) {
    for (const file of files) {
      it(`reads every line of ${format}/${file} as ${DETECTED_AS[format] ?? format}, and as nothing else`, () => {
        const text = restampedFixture(format, file, T0);
        const a = makeAnonymiser(env, policyFrom(env, JSON.stringify({ input: { format: 'auto', missing_timestamp: 'arrival' } }), 'json').config);
        runText(a, text);
        const lines = text.split(/\r?\n/).filter((l) => l !== '').length;
        expect(a.stats.decoded).toEqual({ [DETECTED_AS[format] ?? format]: lines - a.stats.headers });
        expect(a.stats.dropped.unparsed).toBe(0);
      });
    }
  }

  it('reads nginx combined, common and vhost_combined lines as before, never as a cloud format', () => {
    for (const [format, text] of Object.entries(nginxLines())) {
      const got = decodedBy('auto', text);
      for (const name of Object.keys(got)) expect(['combined', 'common', 'vhost_combined'], `${format}: ${name}`).toContain(name);
    }
  });

  it('does not read the tcplog line of the HAProxy manual as httplog', () => {
    expect(decodedBy('haproxy', restampedFixture('haproxy', 'haproxy-tcplog-reject.log', T0))).toEqual({});
  });

  describe('a format named explicitly reads no other format\'s lines', () => {
    const nginx = nginxLines();
    for (const reader of [...CLOUD, 'combined', 'common', 'vhost_combined']) {
      it(`${reader} reads none of the other fixtures`, () => {
        for (const [format, files] of Object.entries(FIXTURE_FILES)) {
          if (format === reader || SAME_FAMILY.has(`${reader}/${format}`)) continue;
          for (const file of files) expect(decodedBy(reader, restampedFixture(format, file, T0)), `${reader} on ${format}/${file}`).toEqual({});
        }
        for (const [format, text] of Object.entries(nginx)) {
          if (!CLOUD.includes(reader)) continue;
          expect(decodedBy(reader, text), `${reader} on ${format}`).toEqual({});
        }
      });
    }
  });

  it('reads a mixed file line by line, each line by its own format', () => {
    const pick = (format: string, file: string, n: number): string[] =>
      restampedFixture(format, file, T0)
        .split('\n')
        .filter((l) => l !== '')
        .slice(0, n);
    const parts = [
      pick('alb', 'alb-current.log', 2),
      pick('elb', 'elb.log', 2),
      pick('s3', 's3.log', 2),
      pick('vpcflow', 'vpcflow.log', 2),
      pick('gcp_lb', 'gcp_lb.log', 1),
      pick('cloudflare', 'cloudflare.log', 2),
      pick('azure_frontdoor', 'azure_frontdoor.log', 2),
      pick('haproxy', 'haproxy-bare.log', 2),
      pick('caddy', 'caddy.log', 1),
      pick('cdr', 'cdr.log', 2),
      nginxLines().combined.split('\n').filter((l) => l !== '').slice(0, 2),
    ];
    // Interleaved, then a CloudFront file (its header block decides the layout of the lines after it).
    const lines: string[] = [];
    for (let i = 0; i < 2; i++) for (const p of parts) if (p[i] !== undefined) lines.push(p[i]!);
    const text = `${lines.join('\n')}\n${restampText('cloudfront', fixtureText('cloudfront', 'cloudfront.log'), T0)}`;
    const got = decodedBy('auto', text);
    expect(got).toEqual({ alb: 2, elb: 2, s3: 2, vpcflow: 2, gcp_lb: 1, cloudflare: 2, azure_frontdoor: 2, haproxy: 2, caddy: 1, cdr: 2, combined: 2, cloudfront: 6 });
  });
});
