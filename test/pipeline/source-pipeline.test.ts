/**
 * SourcePipeline with real sources (file tail, syslog, a stream) and sinks
 * that record what they were given and when they made it durable: positions
 * are recorded only after every sink flushed what came before them, quiet
 * inputs are committed without more input, a slow sink slows the source
 * (bounded in flight), a burst does not pile up in memory, and an unfinished
 * last line is written exactly once.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { GallraError } from '../../src/errors.js';
import { retentionWindowFromConfig } from '../../src/retention/config.js';
import { EncodedBatchBuilder } from '../../src/pipeline/line-pipeline.js';
import { SourcePipeline } from '../../src/pipeline/source-pipeline.js';
import { FileSink } from '../../src/sinks/file/file-sink.js';
import type { EncodedBatch, Sink } from '../../src/sinks/sink.js';
import { readCheckpoint } from '../../src/sources/file/checkpoint.js';
import { FileTailSource } from '../../src/sources/file/file-tail.js';
import type { Source, SourceBatch, SourcePosition } from '../../src/sources/source.js';
import { StreamSource } from '../../src/sources/stream/stream-source.js';
import { SyslogSource } from '../../src/sources/syslog/syslog-source.js';
import { makeAnonymiser, makeEnv, type TestEnv, T0 } from '../helpers/env.js';
import { combinedLine } from '../helpers/lines.js';
import { idCounts, sleep, until } from '../helpers/run.js';
import { Cleanups } from '../helpers/wait.js';

const POLICY = 'input:\n  format: combined\n';
const line = (n: number): string => combinedLine(T0, { request: `GET /n/${String(n).padStart(6, '0')} HTTP/1.1` });
const LINE = line(0).length + 1;
const lines = (from: number, to: number): string => {
  let s = '';
  for (let n = from; n < to; n++) s += line(n) + '\n';
  return s;
};

let env: TestEnv;
const cleanups = new Cleanups();
afterEach(async () => {
  try {
    await cleanups.run();
  } finally {
    env?.cleanup();
  }
});

function setup(): TestEnv {
  env = makeEnv();
  return env;
}

/** A sink that keeps the lines it was given and counts how many of them a flush made durable. */
class RecordingSink implements Sink {
  readonly lines: string[] = [];
  /** Lines taken by write() before the last completed flush began. */
  durable = 0;
  flushes = 0;
  writeDelayMs = 0;
  flushDelayMs = 0;
  failFlush: Error | undefined;
  /** Called inside write(), before the sink takes the chunks. */
  onWrite: (() => void) | undefined;

  constructor(readonly name = 'rec') {}

  get linesWritten(): number {
    return this.lines.length;
  }

  async write(batch: EncodedBatch): Promise<void> {
    this.onWrite?.();
    if (this.writeDelayMs > 0) await sleep(this.writeDelayMs);
    if (batch.count > 0) this.lines.push(...batch.text.slice(0, -1).split('\n'));
  }

  async flush(): Promise<void> {
    const n = this.lines.length;
    if (this.flushDelayMs > 0) await sleep(this.flushDelayMs);
    if (this.failFlush !== undefined) throw this.failFlush;
    this.durable = n;
    this.flushes++;
  }

  async reopen(): Promise<void> {}

  async close(): Promise<void> {
    await this.flush();
  }
}

/** A source wrapper that records the bytes it handed out and every position committed. */
class Observed implements Source {
  readonly commits: SourcePosition[] = [];
  yielded = 0;
  maxBatch = 0;
  onCommit: ((p: SourcePosition) => void) | undefined;

  constructor(readonly inner: Source) {}

  get name(): string {
    return this.inner.name;
  }

  get drops(): Readonly<Record<string, number>> {
    return this.inner.drops;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async *batches(): AsyncGenerator<SourceBatch> {
    for await (const b of this.inner.batches()) {
      if (b.kind !== 'records') {
        this.yielded += b.data.length;
        this.maxBatch = Math.max(this.maxBatch, b.data.length);
      }
      yield b;
    }
  }

  async commit(positions: readonly SourcePosition[]): Promise<void> {
    for (const p of positions) {
      this.onCommit?.(p);
      this.commits.push(p);
    }
    await this.inner.commit(positions);
  }

  stop(): void {
    this.inner.stop();
  }

  lagBytes(): number {
    return this.inner.lagBytes();
  }
}

function tail(file: string, checkpointFile?: string): FileTailSource {
  return new FileTailSource({ name: 'tail', path: file, startAt: 'beginning', checkpointFile, pollMs: 10, rotateWaitMs: 50 });
}

/** Runs a pipeline in the background; stops its source and waits for it in cleanup. */
function runPipeline(source: Source, sinks: Sink[], commitMs = 30): { pipeline: SourcePipeline; done: Promise<void> } {
  const a = makeAnonymiser(env, POLICY);
  const output = new EncodedBatchBuilder();
  a.pipeline.consumers.push(output);
  const pipeline = new SourcePipeline({ source, pipeline: a.pipeline, output, sinks, maxLineLength: 65_536, commitMs });
  const done = pipeline.run();
  // Observed in cleanup too, so a failing test leaves no pipeline running.
  done.catch(() => undefined);
  cleanups.add(async () => {
    source.stop();
    await done.catch(() => undefined);
  });
  return { pipeline, done };
}

const idsOf = (ls: readonly string[]): number[] => [...idCounts(ls.map((l) => ` ${l} `).join('\n')).keys()];

describe('SourcePipeline', { timeout: 20_000 }, () => {
  it('records a position only after every sink has durably taken every line before it', async () => {
    const e = setup();
    const file = path.join(e.root, 'access.log');
    fs.writeFileSync(file, lines(0, 3000));
    const fast = new RecordingSink('fast');
    const slow = new RecordingSink('slow');
    slow.flushDelayMs = 15;
    slow.writeDelayMs = 1;
    const src = new Observed(tail(file));
    const violations: string[] = [];
    src.onCommit = (p) => {
      const upTo = p.offset / LINE;
      if (!Number.isInteger(upTo)) violations.push(`offset ${p.offset} is not a line boundary`);
      for (const s of [fast, slow]) if (s.durable < upTo) violations.push(`${s.name}: position ${upTo} lines, durable ${s.durable}`);
    };
    const { done } = runPipeline(src, [fast, slow]);
    await until(() => fast.lines.length >= 3000 && slow.lines.length >= 3000, 'all lines in both sinks');
    fs.appendFileSync(file, lines(3000, 3500));
    await until(() => slow.lines.length >= 3500, 'the appended lines');
    src.stop();
    await done;
    expect(violations).toEqual([]);
    expect(src.commits.length).toBeGreaterThan(1);
    expect(src.commits.at(-1)!.offset).toBe(3500 * LINE);
    for (const s of [fast, slow]) expect(idsOf(s.lines)).toEqual([...Array(3500).keys()]);
  });

  it('makes the last lines before a lull durable and records their position within commit_ms, without more input', async () => {
    const e = setup();
    const file = path.join(e.root, 'access.log');
    const cp = path.join(e.root, 'cp.json');
    fs.writeFileSync(file, lines(0, 5));
    const sink = new RecordingSink();
    runPipeline(tail(file, cp), [sink], 30);
    // Nothing else arrives and nobody stops the pipeline: the timer commits.
    await until(() => sink.durable === 5, 'the 5 lines to be flushed');
    await until(() => readCheckpoint(cp)?.offset === 5 * LINE, 'the checkpoint after line 5');
    // And a quiet pipeline with nothing new does not flush again and again.
    const flushes = sink.flushes;
    await sleep(200);
    expect(sink.flushes).toBe(flushes);
  });

  it('writes and checkpoints through a real file sink: the day file holds exactly the lines the checkpoint covers', async () => {
    const e = setup();
    const file = path.join(e.root, 'access.log');
    const cp = path.join(e.root, 'cp.json');
    const out = path.join(e.root, 'out');
    fs.writeFileSync(file, lines(0, 200));
    const sink = new FileSink({ name: 'file', dir: out, prefix: 'access', bufferBytes: 1 << 20, window: retentionWindowFromConfig({ keep: 'P6M', max_future: 'PT1H' }), now: e.now });
    runPipeline(tail(file, cp), [sink], 30);
    const dayFile = path.join(out, `access-${new Date(T0).toISOString().slice(0, 10)}.log`);
    const read = (): string => (fs.existsSync(dayFile) ? fs.readFileSync(dayFile, 'utf8') : '');
    await until(() => readCheckpoint(cp)?.offset === 200 * LINE, 'the checkpoint after line 200');
    expect(idCounts(read()).size).toBe(200);
    expect((fs.statSync(dayFile).mode & 0o777).toString(8)).toBe('640');
  });

  it('keeps at most one batch in flight when a sink is slow', async () => {
    const e = setup();
    const file = path.join(e.root, 'access.log');
    fs.writeFileSync(file, lines(0, 8000)); // about 1 MB
    const sink = new RecordingSink();
    sink.writeDelayMs = 3;
    const src = new Observed(tail(file));
    let maxInFlight = 0;
    // Bytes the source handed out that the sink has not taken yet, when the sink is about to take more.
    sink.onWrite = () => (maxInFlight = Math.max(maxInFlight, src.yielded - sink.lines.length * LINE));
    const { done } = runPipeline(src, [sink]);
    await until(() => sink.lines.length >= 8000, () => `all lines through the slow sink, have ${sink.lines.length}`, 20_000);
    src.stop();
    await done;
    expect(src.maxBatch).toBeGreaterThan(0);
    expect(src.yielded).toBe(8000 * LINE);
    // One batch, plus the partial line it ended with: the source was not read ahead.
    expect(maxInFlight).toBeLessThanOrEqual(src.maxBatch + LINE);
  }, 30_000);

  it('holds a 10× syslog burst over TCP in a bounded queue (senders are paused), and loses none of it', async () => {
    setup();
    const QUEUE = 64 * 1024;
    const syslog = new SyslogSource({ name: 'sl', host: '127.0.0.1', port: 0, protocol: 'tcp', maxMessage: 4096, maxConnections: 4, queueBytes: QUEUE });
    await syslog.start();
    cleanups.add(() => syslog.stop());
    const src = new Observed(syslog);
    const sink = new RecordingSink();
    sink.writeDelayMs = 2;
    let maxQueued = 0;
    let maxInFlight = 0;
    const sample = setInterval(() => (maxQueued = Math.max(maxQueued, syslog.lagBytes())), 1);
    cleanups.add(() => clearInterval(sample));
    sink.onWrite = () => (maxInFlight = Math.max(maxInFlight, syslog.lagBytes() + src.yielded - sink.lines.length * LINE));
    runPipeline(src, [sink]);
    const conn = net.connect(syslog.ports.tcp!, '127.0.0.1');
    cleanups.add(() => void conn.destroy());
    await once(conn, 'connect');
    const send = async (from: number, to: number): Promise<void> => {
      for (let n = from; n < to; n += 500) {
        let chunk = '';
        for (let k = n; k < Math.min(to, n + 500); k++) chunk += `<190>Nov 22 10:00:00 web1 nginx: ${line(k)}\n`;
        if (!conn.write(chunk)) await once(conn, 'drain');
      }
    };
    const BASE = 1000; // about 130 kB
    await send(0, BASE);
    await until(() => sink.lines.length >= BASE, 'the baseline through');
    const baseline = maxQueued;
    await send(BASE, 11 * BASE); // ten times as much, as fast as the socket takes it
    await until(() => sink.lines.length >= 11 * BASE, () => `the burst through, have ${sink.lines.length}`, 30_000);
    expect(syslog.drops).toMatchObject({ overflow: 0, oversize: 0 });
    expect(idsOf(sink.lines)).toEqual([...Array(11 * BASE).keys()]);
    // The queue grew to its limit at most — plus what one socket read brought in
    // after it — not by the burst's 1.3 MB; the pipeline itself holds one batch.
    const bound = QUEUE + 64 * 1024 + 4096;
    expect(maxQueued).toBeLessThanOrEqual(bound);
    expect(maxInFlight).toBeLessThanOrEqual(bound + src.maxBatch);
    process.stderr.write(`[pipeline.test] syslog burst: max queued ${maxQueued} B (baseline ${baseline} B), max in flight ${maxInFlight} B, 11000 lines\n`);
  }, 40_000);

  it('neither writes nor acknowledges the unfinished last line of a file at stop', async () => {
    const e = setup();
    const file = path.join(e.root, 'access.log');
    fs.writeFileSync(file, `${lines(0, 3)}${line(3)}`);
    const sink = new RecordingSink();
    const src = new Observed(tail(file));
    const { done } = runPipeline(src, [sink]);
    await until(() => sink.lines.length >= 3 && src.yielded === 4 * LINE - 1, 'the three whole lines and the partial one read');
    src.stop();
    await done;
    expect(idsOf(sink.lines)).toEqual([0, 1, 2]);
    expect(src.commits.at(-1)!.offset).toBe(3 * LINE);
  });

  it('writes the unterminated last line of a stream at its end', async () => {
    setup();
    const sink = new RecordingSink();
    const src = new StreamSource('stdin', () => Readable.from([Buffer.from(`${lines(0, 2)}${line(2).slice(0, 50)}`), Buffer.from(line(2).slice(50))]));
    await src.start();
    const { done } = runPipeline(src, [sink]);
    await done;
    expect(idsOf(sink.lines)).toEqual([0, 1, 2]);
    expect(sink.durable).toBe(3);
  });

  it('stops the source and rejects with the sink error when a flush in a lull fails', async () => {
    const e = setup();
    const file = path.join(e.root, 'access.log');
    fs.writeFileSync(file, lines(0, 5));
    const sink = new RecordingSink();
    sink.failFlush = new GallraError('GALLRA_SINK_FAILED', 'file sink rec: fsync failed (EIO)');
    const src = new Observed(tail(file));
    const { done } = runPipeline(src, [sink], 30);
    await expect(done).rejects.toThrow(/fsync failed/);
    expect(src.commits).toEqual([]);
  });
});
