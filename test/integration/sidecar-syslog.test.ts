/**
 * `gallra run` as a syslog listener, end to end through the built CLI on a
 * loopback port: RFC 3164 and RFC 5424 over UDP and TCP, newline and
 * octet-counted framing, messages split across TCP segments, oversize
 * messages (counted, dropped) and garbage on a connection (that connection
 * closed and counted; gallra carries on). Checked in the daily files and in
 * /metrics.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, TempDirs } from '../helpers/cli.js';
import { duplicateIds, freePort, httpGet, idCounts, killAll, metric, numberedLine, readOutput, sleep, startedGallra, until } from '../helpers/run.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterEach(() => killAll());
afterAll(() => tmp.cleanup());

const sockets: (net.Socket | dgram.Socket)[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) {
    if (s instanceof net.Socket) s.destroy();
    else s.close();
  }
});

const HOST = '127.0.0.1';
const MAX = 1024;
const stamp = Date.now() - 3 * 60_000;
const bsd = (n: number): string => `<190>Nov 22 10:00:00 web1 nginx: ${numberedLine(n, stamp)}`;
const rfc5424 = (n: number): string => `<165>1 2026-11-22T10:00:00.000Z web1 nginx 123 ID47 [exampleSDID@32473 iut="3" eventSource="App\\]lication"] ${numberedLine(n, stamp)}`;
const octets = (msg: string): string => `${Buffer.byteLength(msg)} ${msg}`;

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect(port, HOST);
  sockets.push(s);
  s.setNoDelay(true);
  await once(s, 'connect');
  return s;
}

async function udpSend(port: number, messages: readonly string[]): Promise<void> {
  const s = dgram.createSocket('udp4');
  sockets.push(s);
  for (const m of messages) await new Promise<void>((resolve, reject) => s.send(m, port, HOST, (err) => (err ? reject(err) : resolve())));
}

describe('gallra run as a syslog listener', () => {
  it('takes RFC 3164 and RFC 5424 over UDP and TCP, newline and octet-counted, split or batched, drops oversize messages and closes garbage connections', async () => {
    const dir = tmp.make('syslog');
    const port = await freePort('both');
    const httpPort = await freePort('tcp');
    const cfg = join(dir, 'gallra.yaml');
    writeFileSync(
      cfg,
      `input:
  format: combined
  max_line_length: ${MAX}
sources:
  - type: syslog
    name: sl
    port: ${port}
    protocol: both
sinks:
  - type: file
    dir: out
http:
  port: ${httpPort}
run:
  commit_ms: 50
`,
    );
    const g = await startedGallra(cfg, { stateDir: join(dir, 'state') });
    const expected = new Set<number>();
    const send = (n: number): number => (expected.add(n), n);

    // UDP: one message per datagram, both RFCs.
    await udpSend(port, [bsd(send(0)), rfc5424(send(1)), `${bsd(send(2))}\n`]);

    // TCP, newline framing, several messages in one write.
    const a = await connect(port);
    a.write(`${bsd(send(10))}\n${rfc5424(send(11))}\r\n${bsd(send(12))}\n`);
    // Octet counting, the two framings mixed on one connection.
    a.write(octets(rfc5424(send(13))) + octets(bsd(send(14))) + `${bsd(send(15))}\n`);
    // One message split over many segments, in the length prefix and in the message.
    const split = octets(rfc5424(send(16))) + `${bsd(send(17))}\n`;
    let from = 0;
    for (const cut of [1, 3, 20, 70, 130, split.length]) {
      a.write(split.slice(from, cut));
      from = cut;
      await sleep(20);
    }
    // Oversize, both framings: counted and skipped, the connection goes on.
    const big = `${numberedLine(900, stamp)} ${'x'.repeat(MAX)}`;
    a.write(octets(`<190>${big}`));
    a.write(`<190>${big}\n`);
    a.write(`${bsd(send(18))}\n`);

    // Garbage: that connection is closed and counted; the listener carries on.
    const bad = await connect(port);
    const closed = once(bad, 'close');
    bad.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    const b = await connect(port);
    b.write(`${bsd(send(19))}\n`);
    await udpSend(port, [bsd(send(3))]);

    const outIds = (): number[] => [...idCounts(readOutput(join(dir, 'out'))).keys()];
    await until(() => outIds().length >= expected.size, () => `${expected.size} messages out, have ${outIds().sort((x, y) => x - y).join(',')}`);
    const m = (await httpGet(httpPort, '/metrics')).body;
    expect(metric(m, 'gallra_lines_dropped_total', { source: 'sl', reason: 'oversize' })).toBe(2);
    expect(metric(m, 'gallra_lines_dropped_total', { source: 'sl', reason: 'garbage_connection' })).toBe(1);
    expect(metric(m, 'gallra_lines_read_total', { source: 'sl' })).toBe(expected.size);
    expect(metric(m, 'gallra_lines_written_total', { sink: 'file-1' })).toBe(expected.size);

    a.end();
    b.end();
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const out = readOutput(join(dir, 'out'));
    expect(outIds().sort((x, y) => x - y)).toEqual([...expected].sort((x, y) => x - y));
    expect(duplicateIds(idCounts(out))).toEqual([]);
    // The envelope is gone and the message anonymised: every line is a combined line of a truncated address.
    for (const line of out.split('\n').filter(Boolean)) expect(line).toMatch(/^81\.6\.12\.0 - - \[[^\]]+\] "GET \/n\/\d{6} HTTP\/1\.1" 200 5 "-" "curl\/8[^"]*"$/);
    expect(out).not.toMatch(/<1\d\d>|web1|exampleSDID|81\.6\.12\.34|x{100}/);
  }, 30_000);
});
