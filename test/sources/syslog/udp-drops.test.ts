/**
 * UDP datagrams the kernel drops — the socket's receive buffer full during a
 * burst — counted from the kernel's own per-socket counter (/proc/net/udp,
 * matched by the socket's inode) and reported as drops: a burst of 20,000
 * datagrams is fully accounted for (read + dropped by gallra + dropped by the
 * kernel = sent), in the source's drops and in gallra_lines_dropped_total of
 * a running pipeline. The buffer size is configurable; a size the kernel
 * caps is said at start.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { Runner } from '../../../src/runtime/runner.js';
import { SyslogSource } from '../../../src/sources/syslog/syslog-source.js';
import { udpSocketCounters, udpSocketInode } from '../../../src/sources/syslog/udp-drops.js';
import { TempDirs } from '../../helpers/cli.js';
import { httpGet, metric, numberedLine, sleep } from '../../helpers/run.js';
import { Cleanups, until } from '../../helpers/wait.js';

const PROC = fs.existsSync('/proc/net/udp');
const cleanups = new Cleanups();
const tmp = new TempDirs();
afterEach(async () => {
  try {
    await cleanups.run();
  } finally {
    tmp.cleanup();
  }
});

/** Sends `n` datagrams as fast as the socket takes them; resolves to how many the sender's kernel accepted. */
async function burst(port: number, n: number, line: (i: number) => string): Promise<number> {
  const c = dgram.createSocket('udp4');
  cleanups.add(() => new Promise<void>((r) => c.close(() => r())));
  let ok = 0;
  let settled = 0;
  await new Promise<void>((resolve) => {
    for (let i = 0; i < n; i++) {
      c.send(line(i), port, '127.0.0.1', (err) => {
        if (err === null || err === undefined) ok++;
        if (++settled === n) resolve();
      });
    }
  });
  return ok;
}

describe.skipIf(!PROC)('kernel UDP drops', () => {
  it('finds the socket by its inode and reads its drop counter and queue', async () => {
    const s = dgram.createSocket('udp4');
    cleanups.add(() => new Promise<void>((r) => s.close(() => r())));
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const inode = udpSocketInode(s.address().port);
    expect(inode).toMatch(/^\d+$/);
    expect(udpSocketCounters(inode!)).toEqual({ drops: 0, queued: 0 });
    expect(udpSocketInode(1)).toBeUndefined();
  });

  it('counts every datagram of a burst: read, dropped by gallra, or dropped by the kernel (receive_buffer)', async () => {
    const warnings: string[] = [];
    const src = new SyslogSource({ name: 'burst', host: '127.0.0.1', port: 0, protocol: 'udp', maxMessage: 4096, maxConnections: 4, receiveBufferBytes: 64 * 1024, warn: (m) => warnings.push(m) });
    await src.start();
    cleanups.add(() => src.stop());
    // Nobody pulls batches while the burst arrives: the event loop is busy sending.
    const N = 20_000;
    const sent = await burst(src.ports.udp!, N, (i) => `<190>Nov 22 10:00:00 web1 nginx: ${numberedLine(i)}`);
    let lines = 0;
    const done = (async () => {
      for await (const b of src.batches()) for (const c of b.data) if (c === 10) lines++;
    })();
    cleanups.add(async () => {
      src.stop();
      await done;
    });
    const accounted = (): number => src.received + src.drops.overflow + src.drops.receive_buffer;
    await until(() => accounted() === sent && lines === src.received, () => `every datagram accounted for: sent ${sent}, received ${src.received}, overflow ${src.drops.overflow}, kernel ${src.drops.receive_buffer}`, 20_000);
    expect(src.drops.receive_buffer).toBeGreaterThan(0);
    // The warning comes with the next look (at most once a second).
    await sleep(1100);
    await until(() => warnings.some((w) => w.includes('because the socket\'s receive buffer')), () => `the warning, have ${JSON.stringify(warnings)}`);
    expect(warnings.find((w) => w.includes('kernel dropped'))).toMatch(/^burst: the kernel dropped \d+ UDP datagrams \(\d+ in all\) because the socket's receive buffer \(\d+ bytes\) was full during a burst; raise receive_buffer_bytes \(and net.core.rmem_max\), or send over TCP$/);
  });

  it('shows kernel drops of a running pipeline in gallra_lines_dropped_total{reason="receive_buffer"}', async () => {
    const dir = tmp.make('udp-burst');
    const file = path.join(dir, 'gallra.yaml');
    fs.writeFileSync(file, 'input:\n  format: combined\nsources:\n  - type: syslog\n    name: sl\n    port: 0\n    receive_buffer_bytes: 65536\nsinks:\n  - type: file\n    dir: out\nhttp:\n  port: 0\n');
    const env = { GALLRA_STATE_DIR: path.join(dir, 'state') };
    const runner = new Runner(loadPolicy(file, env), { logger: createLogger('silent'), env });
    await runner.start();
    const run = runner.run();
    cleanups.add(async () => {
      runner.shutdown();
      await run;
    });
    const sl = runner.sourceList[0] as SyslogSource;
    const N = 20_000;
    const sent = await burst(sl.ports.udp!, N, (i) => `<190>Nov 22 10:00:00 web1 nginx: ${numberedLine(i)}`);
    let text = '';
    const read = (): number => metric(text, 'gallra_lines_read_total', { source: 'sl' }) ?? 0;
    const kernel = (): number => metric(text, 'gallra_lines_dropped_total', { source: 'sl', reason: 'receive_buffer' }) ?? 0;
    const overflow = (): number => metric(text, 'gallra_lines_dropped_total', { source: 'sl', reason: 'overflow' }) ?? 0;
    for (let k = 0; k < 200; k++) {
      text = (await httpGet(runner.httpPort!, '/metrics')).body;
      if (read() + kernel() + overflow() === sent) break;
      await sleep(100);
    }
    expect(kernel()).toBeGreaterThan(0);
    expect(read() + kernel() + overflow()).toBe(sent);
    expect(metric(text, 'gallra_syslog_receive_buffer_bytes', { source: 'sl' })).toBeGreaterThanOrEqual(65536);
  });
});
