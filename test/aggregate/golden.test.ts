/**
 * The aggregate stage's output, pinned: a seeded input run through the real
 * pipeline must publish exactly the rows in golden/stage-rows.json — every
 * window, day and month, every grouping set, every counter, in publication
 * order. The brute-force tests (stage.test.ts) say the rows are right; this
 * one says an optimisation of the stage changed nothing at all, including
 * which groups fold into (other) and the order rows come out in.
 *
 * Visitor ids are keyed by random salts, but rows hold only counts, so the
 * output does not depend on the salt. To regenerate after an intended
 * change: GALLRA_UPDATE_GOLDEN=1 npx vitest run test/aggregate/golden.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { aggregateSettings } from '../../src/aggregate/config.js';
import { AggregateStage } from '../../src/aggregate/stage.js';
import { LineSplitter } from '../../src/pipeline/line-splitter.js';
import { buildLinePipeline } from '../../src/runtime/build.js';
import type { ClosedWindow } from '../../src/stores/aggregates-table.js';
import { HOUR, makeEnv, MINUTE, policyFrom, type TestEnv } from '../helpers/env.js';
import { prng, traffic } from '../helpers/traffic.js';

const GOLDEN = new URL('./golden/stage-rows.json', import.meta.url);

const POLICY = `input: { format: vhost_combined }
aggregates:
  window: PT30M
  allowed_lateness: PT5M
  k: 3
  groupings: [total, [host], [status_class, status], [path_template], [status, path_template], [referrer_domain], [browser, os, device, bot], [method], [host, path_template], [port_class, protocol]]
  store: { type: duckdb, path: agg.duckdb }
`;

/** The seeded input: two days across midnight and a month end, a few lines moved late (some beyond the lateness). */
function input(): string[] {
  const hits = traffic({ seed: 2026, events: 5000, start: Date.UTC(2031, 1, 28, 18), spanMs: 30 * HOUR, visitors: 600, users: 0.2 });
  const lines = hits.map((h) => h.line);
  const r = prng(7);
  // Swap some lines a few positions (within the lateness) and a few far (late: counted, never merged).
  for (let i = 0; i < 200; i++) {
    const a = Math.floor(r() * (lines.length - 200));
    const b = a + 1 + Math.floor(r() * (i % 20 === 0 ? 199 : 5));
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
  }
  return lines;
}

function run(env: TestEnv): { closed: ClosedWindow[]; stats: unknown } {
  const loaded = policyFrom(env, POLICY);
  const { pipeline } = buildLinePipeline({ policy: loaded.config, keyring: env.keyring, now: env.now, deriveVisitorId: true });
  const stage = new AggregateStage(aggregateSettings(loaded.config.aggregates!));
  pipeline.consumers.push(stage);
  const closed: ClosedWindow[] = [];
  const splitter = new LineSplitter(65_536, pipeline);
  const text = Buffer.from(input().join('\n') + '\n');
  for (let i = 0; i < text.length; i += 8192) {
    pipeline.beginBatch();
    splitter.push(Buffer.from(text.subarray(i, i + 8192)));
    closed.push(...stage.takeClosed());
  }
  splitter.end();
  stage.closeAll();
  closed.push(...stage.takeClosed());
  return { closed, stats: stage.stats };
}

describe('aggregate stage output (golden)', () => {
  let env: TestEnv;
  afterEach(() => env?.cleanup());

  it('publishes exactly the pinned rows for the seeded input', () => {
    env = makeEnv(Date.UTC(2031, 2, 2, 12) + 10 * MINUTE);
    const out = run(env);
    // One line per row: a diff names the window and row that changed.
    const text = [JSON.stringify(out.stats), ...out.closed.flatMap((w) => [`${w.period} ${new Date(w.start).toISOString()} ${new Date(w.end).toISOString()}`, ...w.rows.map((r) => JSON.stringify(r))])].join('\n') + '\n';
    if (process.env.GALLRA_UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    // Guard against a vacuous pin: the input spans day and month boundaries, has late lines and folds.
    expect(out.closed.some((w) => w.period === 'month')).toBe(true);
    expect(out.closed.filter((w) => w.period === 'day').length).toBeGreaterThanOrEqual(2);
    expect((out.stats as { late: number }).late).toBeGreaterThan(0);
    expect((out.stats as { folded: number }).folded).toBeGreaterThan(0);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
