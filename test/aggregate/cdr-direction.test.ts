/**
 * Call detail records end to end: `gallra anonymise` over CDRs (JSON lines
 * and CSV) with a policy whose aggregates group by direction fills the store
 * with the rows the records make — mobile-originated and -terminated in any
 * of their spellings as `mo`/`mt`, an unknown direction as `(invalid)`, none
 * as `(none)` — where the distinct "visitors" of a CDR are its subscribers
 * (the served IMSI, else the served MSISDN however its prefix is written;
 * never the other party), counted exactly and then forgotten:
 * no number, IMSI or pseudonym of one reaches the store.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/util/seeded-random.js';
import { ensureBuilt, HOUR, MINUTE, runCli, TempDirs } from '../helpers/cli.js';

const tmp = new TempDirs();

interface Cdr {
  readonly msisdn: string;
  /** The other party: never who the record is about. */
  readonly peer: string;
  readonly imsi: string | undefined;
  /** As written in the record (undefined: no direction field). */
  readonly direction: string | undefined;
  /** What the aggregates must read it as. */
  readonly expected: string;
}

/** Which way each spelling goes (the closed pairs of src/aggregate/dimensions.ts). */
const SPELLINGS: readonly (readonly [string | undefined, string])[] = [
  ['mo', 'mo'],
  ['MOC', 'mo'],
  ['originating', 'mo'],
  ['mt', 'mt'],
  ['terminating', 'mt'],
  ['mobile-terminated', 'mt'],
  ['sideways', '(invalid)'],
  [undefined, '(none)'],
];


function records(): Cdr[] {
  const next = seededRandom(20261202);
  const out: Cdr[] = [];
  for (let i = 0; i < 400; i++) {
    const subscriber = Math.floor(next() * 30);
    const [direction, expected] = SPELLINGS[Math.floor(next() * SPELLINGS.length)]!;
    // Every fourth record carries no IMSI: its subscriber is its MSISDN (another visitor than the same person's IMSI records).
    out.push({ msisdn: `+4670${1_000_000 + subscriber}`, peer: `+4479${1_000_000 + Math.floor(next() * 1_000_000)}`, imsi: i % 4 === 3 ? undefined : `24001${1_000_000_000 + subscriber}`, direction, expected });
  }
  return out;
}

/** The subscriber a record is about, as the test counts them: its IMSI, else its MSISDN (`+`, `00` or bare). */
const subscriberOf = (r: Cdr): string => (r.imsi === undefined ? r.msisdn.replace(/^\+/, '') : `imsi:${r.imsi}`);

interface Row {
  grouping: string;
  direction: string | null;
  requests: number;
  visitors: number;
}

describe('aggregates over call detail records: direction, subscribers as visitors', () => {
  const cdrs = records();
  let dir: string;
  let rows: Row[];
  let stored: string;

  beforeAll(() => {
    ensureBuilt();
    dir = tmp.make('aggcdr');
    // Inside the previous hour, so every record falls into one PT1H window.
    const base = Math.floor(Date.now() / HOUR) * HOUR - HOUR + 2 * MINUTE;
    const stamp = (n: number): string => new Date(base + Math.floor((n / cdrs.length) * 50 * MINUTE)).toISOString().replace(/\.\d+Z$/, '+00:00');
    const half = cdrs.length / 2;
    // The first half as JSON lines, the second as CSV with a header: one format detects both.
    const json = cdrs.slice(0, half).map((r, n) =>
      JSON.stringify({ record_type: 'voice', ...(r.direction === undefined ? {} : { direction: r.direction }), start_time: stamp(n), duration: 10 + n, msisdn: r.msisdn, peer_msisdn: r.peer, ...(r.imsi === undefined ? {} : { imsi: r.imsi }) }),
    );
    // The CSV half writes numbers with the international prefix 00 or bare: the same subscribers as the JSON half's `+` ones.
    const spelt = (msisdn: string, n: number): string => ((n >> 2) % 2 === 0 ? '00' : '') + msisdn.slice(1);
    const csv = ['record_type,direction,start_time,duration,msisdn,peer_msisdn,imsi', ...cdrs.slice(half).map((r, n) => `sms,${r.direction ?? ''},${stamp(half + n)},,${spelt(r.msisdn, n)},${r.peer.slice(1)},${r.imsi ?? ''}`)];
    writeFileSync(join(dir, 'cdr.jsonl'), json.join('\n') + '\n');
    writeFileSync(join(dir, 'cdr.csv'), csv.join('\n') + '\n');
    writeFileSync(
      join(dir, 'site.yaml'),
      `input: { format: cdr }
aggregates:
  k: 2
  groupings: [total, [direction]]
  store: { type: duckdb, path: store/agg.duckdb, threads: 1 }
`,
    );
    const r = runCli(['anonymise', '--config', join(dir, 'site.yaml'), '--output', join(dir, 'anon.log'), join(dir, 'cdr.jsonl'), join(dir, 'cdr.csv')], { stateDir: join(dir, 'state') });
    expect(r.status, r.stderr).toBe(0);
    const q = runCli(['query', '--config', join(dir, 'site.yaml'), '--format', 'json', `SELECT "grouping", direction, CAST(requests AS INTEGER) AS requests, CAST(visitors AS INTEGER) AS visitors FROM aggregates`], { stateDir: join(dir, 'state') });
    expect(q.status, q.stderr).toBe(0);
    rows = JSON.parse(q.stdout) as Row[];
    const all = runCli(['query', '--config', join(dir, 'site.yaml'), '--format', 'csv', 'SELECT * FROM aggregates'], { stateDir: join(dir, 'state') });
    expect(all.status, all.stderr).toBe(0);
    stored = all.stdout;
  }, 180_000);
  afterAll(() => tmp.cleanup());

  it('counts every record once, with its distinct subscribers as visitors', () => {
    const total = rows.filter((r) => r.grouping === 'total');
    expect(total).toHaveLength(1);
    expect(total[0]).toMatchObject({ requests: cdrs.length, visitors: new Set(cdrs.map(subscriberOf)).size });
  });

  it('reads each spelling of a direction as mo or mt, anything else as (invalid), none as (none)', () => {
    const expected: Record<string, [number, number]> = {};
    for (const want of new Set(cdrs.map((r) => r.expected))) {
      const of = cdrs.filter((r) => r.expected === want);
      expected[want] = [of.length, new Set(of.map(subscriberOf)).size];
    }
    // Every group has far more than k = 2 subscribers: nothing folds.
    for (const [, visitors] of Object.values(expected)) expect(visitors).toBeGreaterThanOrEqual(2);
    const got = Object.fromEntries(rows.filter((r) => r.grouping === 'direction').map((r) => [r.direction, [r.requests, r.visitors]]));
    expect(got).toEqual(expected);
  });

  it('keeps no subscriber number, IMSI or pseudonym in the store', () => {
    for (const r of cdrs) for (const raw of [r.msisdn, r.msisdn.slice(1), r.peer.slice(1), r.imsi]) if (raw !== undefined) expect(stored).not.toContain(raw);
    // The pseudonyms the anonymised records carry in place of the numbers, read from the output (JSON lines, then CSV under its header).
    const pseudonyms = new Set<string>();
    let columns: string[] | undefined;
    for (const line of readFileSync(join(dir, 'anon.log'), 'utf8').split('\n')) {
      if (line === '') continue;
      if (line.startsWith('{')) {
        const doc = JSON.parse(line) as Record<string, unknown>;
        for (const k of ['msisdn', 'peer_msisdn', 'imsi']) if (typeof doc[k] === 'string') pseudonyms.add(doc[k] as string);
      } else if (line.startsWith('record_type,')) {
        columns = line.split(',');
      } else {
        const cells = line.split(',');
        for (const k of ['msisdn', 'peer_msisdn', 'imsi']) {
          const v = cells[columns!.indexOf(k)];
          if (v !== undefined && v !== '') pseudonyms.add(v);
        }
      }
    }
    expect(pseudonyms.size).toBeGreaterThanOrEqual(30);
    for (const p of pseudonyms) expect(stored).not.toContain(p);
  });
});
