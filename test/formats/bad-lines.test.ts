/**
 * Malformed variants of each format's documented lines — cut short, a field
 * missing, a broken quote, TLS handshake bytes on the port, a time that is
 * no time — are counted and dropped, never passed through raw; lines older
 * than the retention window are dropped as expired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LineStats } from '../../src/pipeline/stats.js';
import { restampedFixture } from '../helpers/cloud.js';
import { type Anonymiser, anonymiseText, DAY, makeAnonymiser, makeEnv, policyFrom, T0, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

interface Case {
  readonly file: string;
  /** The line's time replaced by one that is not a time. */
  garbageTime(line: string): string;
  /** A field taken out. */
  missingField(line: string): string;
}

const dropToken = (sep: string, i: number) => (line: string): string => line.split(sep).filter((_, k) => k !== i).join(sep);
const dropKey = (key: string) => (line: string): string => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(line) as Record<string, unknown>).filter(([k]) => k !== key)));
const badIso = (line: string): string => line.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/, '2026-13-45T25:61:61.000000Z');

const CASES: Record<string, Case> = {
  alb: { file: 'alb-current.log', garbageTime: badIso, missingField: dropToken(' ', 3) },
  elb: { file: 'elb.log', garbageTime: badIso, missingField: dropToken(' ', 2) },
  s3: { file: 's3.log', garbageTime: (l) => l.replace(/\[[^\]]+\]/, '[45/Foo/2026:25:61:61 +0000]'), missingField: dropToken(' ', 5) },
  cloudfront: { file: 'cloudfront.log', garbageTime: (l) => l.replace(/^\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d/, '2026-13-45\t25:61:61'), missingField: dropToken('\t', 4) },
  vpcflow: { file: 'vpcflow.log', garbageTime: (l) => l.replace(/ \d{10} \d{10} /, ' 99999999999 99999999999 '), missingField: dropToken(' ', 3) },
  gcp_lb: { file: 'gcp_lb.log', garbageTime: (l) => l.replace(/"timestamp":"[^"]+"/, '"timestamp":"yesterday"'), missingField: dropKey('httpRequest') },
  cloudflare: { file: 'cloudflare.log', garbageTime: (l) => l.replace(/"EdgeStartTimestamp":\d+/, '"EdgeStartTimestamp":"soon"'), missingField: dropKey('EdgeStartTimestamp') },
  azure_frontdoor: { file: 'azure_frontdoor.log', garbageTime: (l) => l.replace(/"time":"[^"]+"/, '"time":"2026-13-45T25:61:61Z"'), missingField: dropKey('category') },
  w3c: { file: 'w3c.log', garbageTime: (l) => l.replace(/^\d\d:\d\d:\d\d/, '25:61:61'), missingField: dropToken(' ', 1) },
  iis: { file: 'iis.log', garbageTime: (l) => l.replace(/^\d{4}-\d\d-\d\d/, '2026-13-45'), missingField: dropToken(' ', 2) },
  haproxy: { file: 'haproxy-bare.log', garbageTime: (l) => l.replace(/\[[^\]]+\]/, '[45/Foo/2026:25:61:61.000]'), missingField: dropToken(' ', 3) },
  caddy: { file: 'caddy.log', garbageTime: (l) => l.replace(/"ts":[\d.]+/, '"ts":"later"'), missingField: dropKey('logger') },
  // CDR times must carry their offset: one without is no time.
  cdr: { file: 'cdr.csv', garbageTime: (l) => l.replace(/(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)/, '$1'), missingField: dropToken(',', 2) },
};

/** Header lines and data lines of a fixture. */
function split(format: string, file: string, ms: number): { headers: string[]; data: string[] } {
  const lines = restampedFixture(format, file, ms).replace(/\r\n/g, '\n').split('\n').filter((l) => l !== '');
  const isHeader = (l: string): boolean => l.startsWith('#') || (format === 'vpcflow' && /^[a-z]/.test(l)) || (format === 'cdr' && /^[a-z_,]+$/.test(l));
  return { headers: lines.filter(isHeader), data: lines.filter((l) => !isHeader(l)) };
}

function anonymiser(format: string): Anonymiser {
  return makeAnonymiser(env, policyFrom(env, JSON.stringify({ input: { format } }), 'json').config);
}

function dropped(s: LineStats): number {
  return s.droppedTotal;
}

describe('malformed lines are counted and dropped, never passed raw', () => {
  for (const [format, c] of Object.entries(CASES)) {
    it(`${format}: cut short, a field missing, a broken quote, TLS bytes, a garbage time`, () => {
      const { headers, data } = split(format, c.file, T0);
      const line = data[0]!;
      const json = line.startsWith('{');
      const sep = line.includes('\t') ? '\t' : format === 'cdr' ? ',' : ' ';
      const q = line.indexOf('"');
      const close = line.indexOf('"', q + 1);
      const variants: Record<string, string | Buffer> = {
        // Inside the first quoted field, or without the last field (a line missing its end can look like an older, shorter one otherwise).
        'cut short': json ? line.slice(0, Math.floor(line.length * 0.6)) : q >= 0 ? line.slice(0, Math.floor((q + close) / 2)) : line.slice(0, line.lastIndexOf(sep)),
        'a field missing': c.missingField(line),
        // A quoted field without its closing quote, or a quote opening the last field.
        'a broken quote': json ? line.replace('":"', '":') : q >= 0 ? line.slice(0, close) + line.slice(close + 1) : `${line.slice(0, line.lastIndexOf(sep) + 1)}"${line.slice(line.lastIndexOf(sep) + 1)}`,
        'TLS handshake bytes': Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), Buffer.from(line)]),
        'a garbage time': c.garbageTime(line),
      };
      for (const [what, variant] of Object.entries(variants)) {
        if (typeof variant === 'string') expect(variant, `${what} changed nothing`).not.toBe(line);
        const a = anonymiser(format);
        const head = headers.length > 0 ? `${headers.join('\n')}\n` : '';
        const out = anonymiseText(a, Buffer.concat([Buffer.from(head), Buffer.from(variant), Buffer.from('\n')]));
        // Header lines are written before the next event only: with no event, nothing is written.
        expect(out, `${format}, ${what}`).toEqual([]);
        expect(dropped(a.stats), `${format}, ${what}: ${JSON.stringify(a.stats.toJSON())}`).toBe(1);
      }
    });
  }
});

describe('lines older than the retention window are dropped', () => {
  for (const [format, c] of Object.entries(CASES)) {
    it(`${format}: every line of ${c.file} stamped seven months ago is counted as expired`, () => {
      const { headers, data } = split(format, c.file, T0 - 213 * DAY);
      const a = anonymiser(format);
      const out = anonymiseText(a, `${[...headers, ...data].join('\n')}\n`);
      expect(out).toEqual([]);
      expect(a.stats.dropped.expired).toBe(data.length);
    });
  }
});
