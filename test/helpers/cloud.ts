/**
 * Shared helpers for the cloud-format tests: fixtures read and moved in time
 * (so they sit inside the retention window of a test's clock), a policy that
 * keeps every field of a format (for byte-identical round trips), values to
 * plant into fields (addresses and identifiers that must never reach the
 * output), and the pipeline over whole texts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cdrExampleLines } from '../../src/formats/cdr/index.js';
import { cloudfrontDateTime } from '../../src/formats/cloudfront/example.js';
import { ISO_MICROS, readIso, restamp, RFC3339_UTC, writeIsoLike } from '../../src/formats/engines/fields/restamp.js';
import { w3cDateTime } from '../../src/formats/w3c/example.js';
import type { PolicyConfig } from '../../src/policy/schema.js';
import { buildFormat } from '../../src/runtime/build.js';
import { formatClfTime } from '../../src/time/format-timestamp.js';
import { MONTH_NAMES } from '../../src/time/months.js';
import { parseClfTime } from '../../src/time/parse-timestamp.js';
import { FIXTURES } from './cli.js';
import { type Anonymiser, anonymiseText, makeAnonymiser, policyFrom, type TestEnv } from './env.js';

/** A fixture's text (CRLF kept). */
export function fixtureText(format: string, file: string): string {
  return readFileSync(join(FIXTURES, format, file), 'utf8');
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Moves each line of one format's text so that line i happens (i + 1) minutes before `ms` (header lines stay). */
const RESTAMPERS: Record<string, (lines: string[], ms: number) => string[]> = {
  alb: (l, ms) => restamp(l, ms, ISO_MICROS, readIso, writeIsoLike),
  elb: (l, ms) => restamp(l, ms, ISO_MICROS, readIso, writeIsoLike),
  s3: (l, ms) => restamp(l, ms, /\[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\]/g, (m) => parseClfTime(m.slice(1, -1)), (t) => `[${formatClfTime(t)}]`),
  cloudfront: (l, ms) => restamp(l, ms, /^\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d/g, (m) => Date.parse(`${m.slice(0, 10)}T${m.slice(11)}Z`), cloudfrontDateTime),
  vpcflow: (l, ms) => restamp(l, ms, /\b1[4-6]\d{8}\b/g, (m) => Number(m) * 1000, (t) => String(Math.floor(t / 1000))),
  gcp_lb: (l, ms) => restamp(l, ms, RFC3339_UTC, readIso, writeIsoLike),
  azure_frontdoor: (l, ms) => restamp(l, ms, RFC3339_UTC, readIso, writeIsoLike),
  cloudflare: (l, ms) => restamp(l, ms, /\b1\d{18}\b/g, (m) => Number(BigInt(m) / 1_000_000n), (t, m) => `${BigInt(t) * 1_000_000n + (BigInt(m) % 1_000_000n)}`),
  caddy: (l, ms) => restamp(l, ms, /(?<="ts":)\d{10}\.\d+/g, (m) => Math.floor(Number(m) * 1000), (t, m) => `${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, '0')}${m.split('.')[1]!.slice(3)}`),
  iis: (l, ms) => restamp(l, ms, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, (m) => Date.parse(`${m.slice(0, 10)}T${m.slice(11)}Z`), w3cDateTime),
  // The draft's entries have a time of day only: their date is #Date's, moved to the day before `ms`.
  w3c: (l, ms) => {
    const d = new Date(ms - 86_400_000);
    return l.map((line) => line.replace(/^#Date: \d\d-\w{3}-\d{4}/, `#Date: ${pad(d.getUTCDate())}-${MONTH_NAMES[d.getUTCMonth()]}-${d.getUTCFullYear()}`));
  },
  haproxy: (l, ms) =>
    restamp(
      l,
      ms,
      /\[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d(\.\d{3})?\]/g,
      (m) => parseClfTime(`${m.slice(1, 21)} +0000`) + (m.length > 22 ? Number(m.slice(22, 25)) : 0),
      (t, m) => `[${formatClfTime(t).slice(0, 20)}${m.length > 22 ? `.${String(t % 1000).padStart(3, '0')}` : ''}]`,
    ),
  cdr: (l, ms) => cdrExampleLines(ms, l),
};

/**
 * The text of a fixture with its times moved to end near `ms`.
 *
 * @example
 * const text = restampedFixture('alb', 'alb.log', T0);
 */
export function restampedFixture(format: string, file: string, ms: number): string {
  return restampText(format, fixtureText(format, file), ms);
}

/** `text` (lines of `format`) with its times moved to end near `ms`; line ends kept. */
export function restampText(format: string, text: string, ms: number): string {
  const crlf = text.includes('\r\n');
  const lines = text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  const out = RESTAMPERS[format]!(lines, ms).join(crlf ? '\r\n' : '\n');
  return out + (crlf ? '\r\n' : '\n');
}

/** Every fixture file of a format. */
export const FIXTURE_FILES: Readonly<Record<string, readonly string[]>> = {
  alb: ['alb.log', 'alb-current.log', 'alb-constructed.log'],
  elb: ['elb.log'],
  s3: ['s3.log', 's3-constructed.log'],
  cloudfront: ['cloudfront.log', 'cloudfront-constructed.log'],
  vpcflow: ['vpcflow.log', 'vpcflow-v3-tcpflags.log', 'vpcflow-tgw.log', 'vpcflow-v5.log', 'vpcflow-nat.log'],
  gcp_lb: ['gcp_lb.log'],
  cloudflare: ['cloudflare.log'],
  azure_frontdoor: ['azure_frontdoor.log'],
  w3c: ['w3c.log'],
  iis: ['iis.log', 'iis-constructed.log'],
  haproxy: ['haproxy.log', 'haproxy-bare.log', 'haproxy-rfc5424.log', 'haproxy-constructed.log'],
  caddy: ['caddy.log'],
  cdr: ['cdr.log', 'cdr.csv'],
};

/**
 * A policy that keeps every field `format` reads (its layout), over the
 * defaults: what a byte-identical round trip is tested under.
 */
export function keepAllPolicy(env: TestEnv, format: string, extra: Record<string, unknown> = {}): PolicyConfig {
  const base = policyFrom(env, JSON.stringify({ formats: { [format]: extra } }), 'json').config;
  const names = buildFormat(base, format).event.layout.names;
  const fields = Object.fromEntries(names.map((n) => [n, 'keep']));
  return policyFrom(env, JSON.stringify({ formats: { [format]: { ...extra, fields } } }), 'json').config;
}

/** The pipeline's output for a whole text (lines joined with LF, one trailing LF). */
export function runText(a: Anonymiser, text: string): string {
  const out = anonymiseText(a, text);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** An anonymiser for `format` (fixed, not auto) under the default policy, with format options `extra`. */
export function defaultAnonymiser(env: TestEnv, format: string, extra: Record<string, unknown> = {}): Anonymiser {
  return makeAnonymiser(env, policyFrom(env, JSON.stringify({ input: { format }, formats: { [format]: extra } }), 'json').config);
}

/**
 * Runs `text` through `format` (fixed) under the default policy, with
 * `yaml`-free overrides as an object merged over it; the output lines and
 * the counters.
 *
 * @example
 * const { out, stats } = anonymiseWith(env, 'alb', line);
 */
export function anonymiseWith(env: TestEnv, format: string, text: string, overrides: Record<string, unknown> = {}): { out: string[]; stats: Anonymiser['stats']; a: Anonymiser } {
  const policy = policyFrom(env, JSON.stringify({ ...overrides, input: { format, ...((overrides.input as object) ?? {}) } }), 'json').config;
  const a = makeAnonymiser(env, policy);
  const out = anonymiseText(a, text.endsWith('\n') ? text : `${text}\n`);
  return { out, stats: a.stats, a };
}
