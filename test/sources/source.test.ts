/**
 * The contract every Source keeps, run against each implementation, plus
 * the Waiter the polling sources share.
 */
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTailSource } from '../../src/sources/file.js';
import { type Source, type SourceBatch, Waiter } from '../../src/sources/source.js';
import { openFifo, StreamSource } from '../../src/sources/stream.js';
import { SyslogSource } from '../../src/sources/syslog/index.js';
import { until } from '../helpers/wait.js';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-source-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});


interface Case {
  readonly name: string;
  /** A started source that has (or soon will have) data, and will wait for more after it. */
  make(): Promise<Source>;
}

const cases: Case[] = [
  {
    name: 'FileTailSource',
    async make() {
      const file = path.join(dir, 'access.log');
      fs.writeFileSync(file, 'a\n');
      // A one-minute poll: the source must not rely on it to notice stop().
      const src = new FileTailSource({ name: 'file', path: file, startAt: 'beginning', checkpointFile: undefined, pollMs: 60_000, rotateWaitMs: 50 });
      await src.start();
      return src;
    },
  },
  {
    name: 'StreamSource over a stream',
    async make() {
      const stream = new PassThrough();
      stream.write('a\n');
      const src = new StreamSource('pipe', () => stream);
      await src.start();
      return src;
    },
  },
  {
    name: 'StreamSource over a FIFO',
    async make() {
      const fifo = path.join(dir, 'access.fifo');
      const src = new StreamSource('fifo', () => openFifo(fifo));
      await src.start();
      const fd = fs.openSync(fifo, 'w');
      fs.writeSync(fd, 'a\n');
      fs.closeSync(fd);
      return src;
    },
  },
  {
    name: 'SyslogSource',
    async make() {
      const src = new SyslogSource({ name: 'syslog', host: '127.0.0.1', port: 0, protocol: 'tcp', maxMessage: 1024, maxConnections: 4 });
      await src.start();
      const { Socket } = await import('node:net');
      const c = new Socket();
      await new Promise<void>((r) => c.connect(src.ports.tcp!, '127.0.0.1', () => r()));
      c.on('error', () => undefined);
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      c.end('<13>nginx: a\n');
      // The server ends its side when ours ends: the connection is gone before the test goes on.
      await closed;
      return src;
    },
  },
];

describe.each(cases)('the Source contract: $name', ({ make }) => {
  it('delivers its data, and ends batches() promptly when stopped while waiting for more', async () => {
    const src = await make();
    const batches: SourceBatch[] = [];
    let text = '';
    let ended = false;
    const done = (async () => {
      for await (const b of src.batches()) {
        batches.push(b);
        text += b.data.toString('latin1');
      }
    })().finally(() => (ended = true));
    try {
      await until(() => text.includes('a\n'), 'the data');
      src.stop();
      await until(() => ended, 'batches() to end after stop()', 3000);
      await done;
    } finally {
      src.stop();
    }
    expect(text).toBe('a\n');
    src.stop(); // idempotent
  });

  it('reports drops as counts and lag as a number', async () => {
    const src = await make();
    try {
      expect(Object.values(src.drops).every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
      expect(Number.isFinite(src.lagBytes())).toBe(true);
      expect(typeof src.name).toBe('string');
    } finally {
      src.stop();
    }
  });
});

describe('Waiter', () => {
  it('resolves when woken, before its time is up', async () => {
    const w = new Waiter();
    let woke = false;
    const p = w.wait(60_000).then(() => (woke = true));
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(false);
    w.wake();
    await p;
    expect(woke).toBe(true);
  });

  it('resolves by itself when its time is up', async () => {
    const w = new Waiter();
    await w.wait(1);
  });

  it('ignores a wake when nobody waits', async () => {
    const w = new Waiter();
    w.wake();
    let woke = false;
    const p = w.wait(60_000).then(() => (woke = true));
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(false);
    w.wake();
    await p;
  });
});
