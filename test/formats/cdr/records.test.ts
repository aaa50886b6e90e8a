/**
 * CDRs from a record source (a Kafka topic: one record per line, segments
 * are partitions): each partition keeps its own CSV header, so two
 * partitions with different column orders interleave safely.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncodedBatchBuilder } from '../../../src/pipeline/line-pipeline.js';
import { SourcePipeline } from '../../../src/pipeline/source-pipeline.js';
import type { EncodedBatch, Sink } from '../../../src/sinks/sink.js';
import type { Source, SourceBatch, SourceRecord } from '../../../src/sources/source.js';
import { restampedFixture } from '../../helpers/cloud.js';
import { makeAnonymiser, makeEnv, policyFrom, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

class Records implements Source {
  readonly name = 'topic';
  constructor(private readonly batches_: SourceRecord[][]) {}
  async start(): Promise<void> {}
  async *batches(): AsyncIterable<SourceBatch> {
    for (const records of this.batches_) yield { kind: 'records', records };
  }
  async commit(): Promise<void> {}
  stop(): void {}
  readonly drops = {};
  lagBytes(): number {
    return 0;
  }
}

class Collect implements Sink {
  readonly name = 'collect';
  readonly lines: string[] = [];
  get linesWritten(): number {
    return this.lines.length;
  }
  async write(batch: EncodedBatch): Promise<void> {
    if (batch.count > 0) this.lines.push(...batch.text.slice(0, -1).split('\n'));
  }
  async flush(): Promise<void> {}
  async reopen(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('cdr from a record source', () => {
  it('keeps one CSV header per partition: interleaved records of two column orders are each read in their own', async () => {
    const csv = restampedFixture('cdr', 'cdr.csv', T0).trimEnd().split('\r\n');
    const reversed = csv.map((l) => l.split(',').reverse().join(','));
    let offset = 0;
    const rec = (partition: string, text: string): SourceRecord => ({ value: Buffer.from(text), key: undefined, ack: { segment: { key: partition }, offset: ++offset } });
    const source = new Records([
      [rec('p0', csv[0]!), rec('p1', reversed[0]!)],
      [rec('p0', csv[1]!), rec('p1', reversed[2]!), rec('p0', csv[2]!), rec('p1', reversed[1]!)],
    ]);
    const a = makeAnonymiser(env, policyFrom(env, JSON.stringify({ input: { format: 'cdr' } }), 'json').config);
    const output = new EncodedBatchBuilder();
    a.pipeline.consumers.length = 0;
    a.pipeline.consumers.push(output);
    const sink = new Collect();
    await new SourcePipeline({ source, pipeline: a.pipeline, output, sinks: [sink], maxLineLength: 65_536, commitMs: 1000 }).run();
    expect(a.stats.linesOut).toBe(4);
    expect(a.stats.dropped.unparsed).toBe(0);
    // Each partition's header is written back before its first record.
    expect(sink.lines.filter((l) => l.startsWith('record_type,'))).toHaveLength(1);
    expect(sink.lines.filter((l) => l.startsWith('close_cause,'))).toHaveLength(1);
    const rows = sink.lines.filter((l) => /^\w+,/.test(l) && !/^(record_type|close_cause),/.test(l));
    expect(rows).toHaveLength(4);
    expect(rows.join('\n')).not.toContain('46701234567');
  });
});
