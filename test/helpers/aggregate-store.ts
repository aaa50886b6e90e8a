/**
 * A filled aggregate store for API and dashboard tests: generated traffic
 * run through the real pipeline and aggregate stage (as `gallra anonymise`
 * does), written and published by the duckdb store, with the policy file
 * that names it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileKeyring } from '../../src/keyring/file.js';
import { LineSplitter } from '../../src/pipeline/line-splitter.js';
import { loadPolicy, type LoadedPolicy } from '../../src/policy/load.js';
import { createAggregates } from '../../src/runtime/aggregates.js';
import { buildLinePipeline } from '../../src/runtime/build.js';
import { parseDuration } from '../../src/time/duration.js';
import { type Hit, traffic } from './traffic.js';

export const DAY_MS = 86_400_000;

export interface FilledStore {
  readonly policyFile: string;
  readonly loaded: LoadedPolicy;
  readonly hits: readonly Hit[];
  /** First and last event time. */
  readonly from: number;
  readonly to: number;
}

/**
 * Generates `days` days of traffic ending at `end` (a day boundary) and fills
 * the store of a policy written to `dir`.
 *
 * @example
 * const s = await fillStore(dir, { days: 10, end: utcDay(Date.now()), events: 20000 });
 */
export async function fillStore(dir: string, o: { readonly days: number; readonly end: number; readonly events: number; readonly seed?: number; readonly k?: number }): Promise<FilledStore> {
  const policyFile = join(dir, 'site.yaml');
  writeFileSync(
    policyFile,
    `input: { format: vhost_combined }
retention: { keep: P6M }
aggregates:
  k: ${o.k ?? 3}
  store: { type: duckdb, path: store/agg.duckdb, threads: 1 }
`,
  );
  const env = { GALLRA_STATE_DIR: join(dir, 'state') };
  const loaded = loadPolicy(policyFile, env);
  const from = o.end - o.days * DAY_MS;
  const hits = traffic({ seed: o.seed ?? 9, events: o.events, start: from, spanMs: o.days * DAY_MS - 60_000, visitors: 600, hosts: ['www.example.org', 'shop.example.org'] });
  const keyring = new FileKeyring({ dir: loaded.saltDir, period: 'P1D', grace: parseDuration('PT1H')!, future: parseDuration('PT1H')!, now: () => o.end });
  const aggregates = createAggregates(loaded, { env, now: () => o.end })!;
  await aggregates.open();
  try {
    const { pipeline } = buildLinePipeline({ policy: loaded.config, keyring, now: () => o.end, deriveVisitorId: true });
    pipeline.consumers.push(aggregates.stage);
    const splitter = new LineSplitter(65_536, pipeline);
    const text = Buffer.from(hits.map((h) => h.line).join('\n') + '\n');
    for (let i = 0; i < text.length; i += 65_536) {
      await pipeline.prepare();
      pipeline.beginBatch();
      splitter.push(Buffer.from(text.subarray(i, i + 65_536)));
      await aggregates.output.writeClosed();
    }
    splitter.end();
    if (pipeline.stats.linesOut !== hits.length) throw new Error(`fillStore: ${pipeline.stats.linesOut} of ${hits.length} lines passed the gate`);
  } finally {
    await aggregates.output.close();
    keyring.close();
  }
  return { policyFile, loaded, hits, from, to: o.end };
}
