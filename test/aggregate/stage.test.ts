/**
 * The aggregate stage against brute force: over generated traffic run
 * through the real pipeline (decode → gate → anonymise → fan-out), every
 * published row of every window, day and month must hold exactly the
 * requests, bytes, errors and distinct visitors and users of the events it
 * stands for; every grouping set must add up to the window's total; and
 * (a property test) no row outside `total` may describe fewer than k
 * visitors unless it is `(other)`.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { aggregateSettings } from '../../src/aggregate/config.js';
import { AggregateStage } from '../../src/aggregate/stage.js';
import { LineSplitter } from '../../src/pipeline/line-splitter.js';
import { buildLinePipeline } from '../../src/runtime/build.js';
import { type AggregateRow, type ClosedWindow, type Dimension, OTHER } from '../../src/stores/aggregates-table.js';
import { DAY, HOUR, makeEnv, MINUTE, policyFrom, type TestEnv } from '../helpers/env.js';
import { expectedDims, type Hit, traffic, visitorKey } from '../helpers/traffic.js';

const GROUPINGS = `[total, [host], [status_class, status], [path_template], [status, path_template], [referrer_domain], [browser, os, device, bot], [method], [host, path_template], [port_class, protocol]]`;

function policy(env: TestEnv, extra = ''): ReturnType<typeof policyFrom> {
  return policyFrom(
    env,
    `input: { format: vhost_combined }
aggregates:
  window: PT1H
  allowed_lateness: PT10M
  k: 3
  groupings: ${GROUPINGS}
  store: { type: duckdb, path: agg.duckdb }
${extra}`,
  );
}

interface Run {
  readonly closed: ClosedWindow[];
  readonly stage: AggregateStage;
  /** Lines that passed the gate, as the pipeline counted them. */
  readonly linesOut: number;
}

/** Runs `lines` through the pipeline with the aggregate stage at its fan-out; closes everything at the end. */
function run(env: TestEnv, loaded: ReturnType<typeof policyFrom>, lines: readonly string[], chunk = 4096): Run {
  const { pipeline } = buildLinePipeline({ policy: loaded.config, keyring: env.keyring, now: env.now, deriveVisitorId: true });
  const stage = new AggregateStage(aggregateSettings(loaded.config.aggregates!));
  pipeline.consumers.push(stage);
  const closed: ClosedWindow[] = [];
  const splitter = new LineSplitter(65_536, pipeline);
  const text = Buffer.from(lines.join('\n') + '\n');
  for (let i = 0; i < text.length; i += chunk) {
    pipeline.beginBatch();
    splitter.push(Buffer.from(text.subarray(i, i + chunk)));
    closed.push(...stage.takeClosed());
  }
  splitter.end();
  stage.closeAll();
  closed.push(...stage.takeClosed());
  return { closed, stage, linesOut: pipeline.stats.linesOut };
}

interface Truth {
  requests: number;
  bytes: number;
  e4: number;
  e5: number;
  visitors: Set<string>;
  users: Set<string>;
}

/**
 * What brute force counts over `hits`. Visitor ids and user pseudonyms are
 * keyed by the salt of the event's epoch (a day here), so over a month a
 * returning visitor is one visitor per day: that is what the stream can
 * count, and what the README says the month table holds.
 */
function truthOf(hits: readonly Hit[]): Truth {
  const t: Truth = { requests: 0, bytes: 0, e4: 0, e5: 0, visitors: new Set(), users: new Set() };
  for (const h of hits) {
    const epoch = Math.floor(h.time / DAY);
    t.requests++;
    t.bytes += h.bytes;
    if (h.status >= 400 && h.status < 500) t.e4++;
    if (h.status >= 500) t.e5++;
    t.visitors.add(`${visitorKey(h)}\u0000${epoch}`);
    if (h.user !== '-') t.users.add(`${h.user}\u0000${epoch}`);
  }
  return t;
}

function periodStart(period: ClosedWindow['period'], t: number): number {
  if (period === 'window') return Math.floor(t / HOUR) * HOUR;
  if (period === 'day') return Math.floor(t / DAY) * DAY;
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function keyOf(dims: readonly Dimension[], values: Partial<Record<Dimension, string>>): string {
  return dims.map((d) => values[d]).join('\u0001');
}

/** Checks one closed window against the hits it covers. */
function checkWindow(w: ClosedWindow, hits: readonly Hit[]): void {
  const bySet = new Map<string, AggregateRow[]>();
  for (const r of w.rows) bySet.set(r.grouping, [...(bySet.get(r.grouping) ?? []), r]);
  const all = truthOf(hits);
  for (const [grouping, rows] of bySet) {
    const dims = grouping === 'total' ? [] : (grouping.split(',') as Dimension[]);
    // Every set adds up to the events of the window.
    expect(rows.reduce((n, r) => n + r.requests, 0), `${grouping} requests`).toBe(all.requests);
    const groups = new Map<string, Hit[]>();
    for (const h of hits) {
      const key = keyOf(dims, expectedDims(h));
      groups.set(key, [...(groups.get(key) ?? []), h]);
    }
    const published = new Set<string>();
    for (const r of rows) {
      if (dims.length > 0 && r.dims[dims[0]!] === OTHER) continue;
      const key = keyOf(dims, r.dims);
      published.add(key);
      const t = truthOf(groups.get(key) ?? []);
      const at = `${w.period} ${new Date(w.start).toISOString()} ${grouping}=${key}`;
      expect({ requests: r.requests, bytes: r.bytes, e4: r.errors_4xx, e5: r.errors_5xx, visitors: r.visitors, users: r.users }, at).toEqual({
        requests: t.requests,
        bytes: t.bytes,
        e4: t.e4,
        e5: t.e5,
        visitors: t.visitors.size,
        users: t.users.size,
      });
    }
    const other = rows.find((r) => dims.length > 0 && r.dims[dims[0]!] === OTHER);
    const rest = [...groups].filter(([k]) => !published.has(k)).flatMap(([, h]) => h);
    if (other === undefined) {
      expect(rest, `${grouping}: groups neither published nor in (other)`).toEqual([]);
    } else {
      const t = truthOf(rest);
      expect({ requests: other.requests, visitors: other.visitors, users: other.users, bytes: other.bytes }, `${w.period} ${grouping} (other)`).toEqual({
        requests: t.requests,
        visitors: t.visitors.size,
        users: t.users.size,
        bytes: t.bytes,
      });
    }
  }
}

describe('aggregate stage', () => {
  let env: TestEnv;
  afterEach(() => env?.cleanup());

  it('publishes, per window, day and month and per grouping set, exactly what brute force counts over the same events', () => {
    env = makeEnv();
    // Two days ending an hour before the clock, crossing midnight (and so a day boundary and salt epochs).
    const start = Date.UTC(2031, 2, 12, 20);
    const hits = traffic({ seed: 11, events: 6000, start, spanMs: 36 * HOUR, visitors: 400 });
    const r = run(env, policy(env), hits.map((h) => h.line));
    expect(r.linesOut).toBe(hits.length);
    expect(r.stage.stats.late).toBe(0);
    expect(r.stage.stats.events).toBe(hits.length);
    const periods = new Set(r.closed.map((w) => w.period));
    expect([...periods].sort()).toEqual(['day', 'month', 'window']);
    for (const w of r.closed) {
      const mine = hits.filter((h) => periodStart(w.period, h.time) === w.start);
      expect(mine.length, `${w.period} ${new Date(w.start).toISOString()} has events`).toBeGreaterThan(0);
      checkWindow(w, mine);
    }
    // Every event is in exactly one window of each period.
    for (const p of ['window', 'day', 'month'] as const) {
      const total = r.closed.filter((w) => w.period === p).reduce((n, w) => n + w.rows.find((x) => x.grouping === 'total')!.requests, 0);
      expect(total, p).toBe(hits.length);
    }
    // Folding happened (the check above covered (other) rows), and something was published beside them.
    expect(r.stage.stats.folded).toBeGreaterThan(0);
  });

  it('counts events whose window has closed as late and merges them into nothing published', () => {
    env = makeEnv();
    const base = Date.UTC(2031, 2, 14, 6);
    const hits = traffic({ seed: 3, events: 400, start: base, spanMs: 3 * HOUR, visitors: 50 });
    // Events from 07:xx arrive after the stream reached 09:xx: the watermark (09:xx − 10 min) is past 08:00.
    const late = traffic({ seed: 4, events: 25, start: base + HOUR, spanMs: 30 * MINUTE, visitors: 10 });
    const r = run(env, policy(env), [...hits.map((h) => h.line), ...late.map((h) => h.line)]);
    expect(r.stage.stats.late).toBe(late.length);
    const hourly = r.closed.filter((w) => w.period === 'window');
    expect(hourly.reduce((n, w) => n + w.rows.find((x) => x.grouping === 'total')!.requests, 0)).toBe(hits.length);
    for (const w of hourly) checkWindow(w, hits.filter((h) => periodStart('window', h.time) === w.start));
  });

  it('merges events up to allowed_lateness behind the newest into their still-open window', () => {
    env = makeEnv();
    const base = Date.UTC(2031, 2, 14, 6);
    const inTime = traffic({ seed: 5, events: 200, start: base, spanMs: HOUR + 5 * MINUTE, visitors: 30 });
    // 06:58 after 07:05: five minutes past the window's end, within the ten allowed.
    const straggler = traffic({ seed: 6, events: 5, start: base + 58 * MINUTE, spanMs: MINUTE, visitors: 5 });
    const r = run(env, policy(env), [...inTime.map((h) => h.line), ...straggler.map((h) => h.line)]);
    expect(r.stage.stats.late).toBe(0);
    const six = r.closed.find((w) => w.period === 'window' && w.start === base)!;
    checkWindow(six, [...inTime, ...straggler].filter((h) => periodStart('window', h.time) === base));
  });

  it('closes a window with no new events once the clock is past its end plus the lateness (the idle rule), and not before', () => {
    env = makeEnv();
    const loaded = policy(env);
    const stage = new AggregateStage(aggregateSettings(loaded.config.aggregates!));
    const { pipeline } = buildLinePipeline({ policy: loaded.config, keyring: env.keyring, now: env.now, deriveVisitorId: true });
    pipeline.consumers.push(stage);
    const start = Date.UTC(2031, 2, 14, 11);
    const hits = traffic({ seed: 8, events: 50, start, spanMs: 40 * MINUTE, visitors: 20 });
    const text = hits.map((h) => h.line).join('\n') + '\n';
    pipeline.beginBatch();
    new LineSplitter(65_536, pipeline).push(Buffer.from(text));
    stage.tick(start + 45 * MINUTE);
    expect(stage.takeClosed()).toEqual([]);
    // The window ends at 12:00; the clock at 12:05 is inside the lateness.
    stage.tick(start + HOUR + 5 * MINUTE);
    expect(stage.takeClosed()).toEqual([]);
    stage.tick(start + HOUR + 11 * MINUTE);
    const closed = stage.takeClosed();
    expect(closed.map((w) => w.period)).toEqual(['window']);
    checkWindow(closed[0]!, hits);
    // Its events now come too late.
    const again = hits[0]!.line;
    pipeline.beginBatch();
    new LineSplitter(65_536, pipeline).push(Buffer.from(again + '\n'));
    expect(stage.stats.late).toBe(1);
  });

  it('keeps no row outside total with 0 < visitors < k unless it is (other), whatever the traffic and k (property)', () => {
    env = makeEnv();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 60 }), (seed, k, events, visitors) => {
        const loaded = policyFrom(
          env,
          `input: { format: vhost_combined }
aggregates:
  k: ${k}
  groupings: ${GROUPINGS}
  store: { type: duckdb, path: agg.duckdb }
`,
        );
        const hits = traffic({ seed, events, start: Date.UTC(2031, 2, 13, 22), spanMs: 4 * HOUR, visitors });
        const r = run(env, loaded, hits.map((h) => h.line), 997);
        for (const w of r.closed) {
          const total = w.rows.find((x) => x.grouping === 'total')!;
          const bySet = new Map<string, number>();
          for (const row of w.rows) {
            bySet.set(row.grouping, (bySet.get(row.grouping) ?? 0) + row.requests);
            if (row.grouping === 'total') continue;
            const isOther = Object.values(row.dims).every((v) => v === OTHER);
            if (!isOther) expect(row.visitors, `${w.period} ${row.grouping} ${JSON.stringify(row.dims)}`).toBeGreaterThanOrEqual(k);
            // (other) holds k visitors too, unless it had to take in the whole set (then it is the window's total).
            else if (row.visitors < k) expect(row.visitors).toBe(total.visitors);
          }
          for (const [g, n] of bySet) expect(n, `${g} adds up to the total`).toBe(total.requests);
        }
      }),
      { numRuns: 60, seed: 20311 },
    );
  });

  it('adds discrete-Laplace noise to published counts when asked, never below zero, and withholds latency', () => {
    env = makeEnv();
    const hits = traffic({ seed: 21, events: 3000, start: Date.UTC(2031, 2, 14, 1), spanMs: 4 * HOUR, visitors: 300 });
    const r = run(env, policy(env, '  noise: { epsilon: 0.5, contribution_cap: 5 }\n'), hits.map((h) => h.line));
    const rows = r.closed.flatMap((w) => w.rows);
    expect(rows.every((x) => x.requests >= 0 && x.visitors >= 0 && x.users >= 0 && x.bytes >= 0 && x.latency === null)).toBe(true);
    const exact = run(env, policy(env), hits.map((h) => h.line)).closed.flatMap((w) => w.rows.filter((x) => x.grouping === 'total'));
    const noisy = rows.filter((x) => x.grouping === 'total');
    // Same windows; the counts moved (with 8 totals and scale 10, all equal by chance is out of the question).
    expect(noisy.length).toBe(exact.length);
    expect(noisy.some((x, i) => x.requests !== exact[i]!.requests)).toBe(true);
  });

  it('reads only anonymised values: a policy that drops the user agent and the request leaves those dimensions (none)', () => {
    env = makeEnv();
    const loaded = policyFrom(
      env,
      `input: { format: vhost_combined }
fields: { http_user_agent: drop, request: drop }
aggregates:
  k: 2
  groupings: [total, [browser], [path_template]]
  store: { type: duckdb, path: agg.duckdb }
`,
    );
    const hits = traffic({ seed: 2, events: 300, start: Date.UTC(2031, 2, 14, 1), spanMs: HOUR / 2, visitors: 40 });
    const r = run(env, loaded, hits.map((h) => h.line));
    const values = new Set(r.closed.flatMap((w) => w.rows.flatMap((x) => [x.dims.browser, x.dims.path_template]).filter((v) => v !== undefined)));
    expect([...values]).toEqual(['(none)']);
  });
});

