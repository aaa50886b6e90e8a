import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isGallraError } from '../../../src/errors.js';
import { syslogSourceConfigSchema } from '../../../src/sources/syslog/config.js';
import { type SyslogOptions, SyslogSource } from '../../../src/sources/syslog/syslog-source.js';
import { Cleanups, until } from '../../helpers/wait.js';

const HOST = '127.0.0.1';
const LINE = (i: number): string => `81.6.12.${i % 250} - - [22/Nov/2026:10:00:00 +0000] "GET /p/${i} HTTP/1.1" 200 12 "-" "curl/8.0"`;
const BSD = (i: number): string => `<190>Nov 22 10:00:00 web1 nginx: ${LINE(i)}`;
const RFC5424 = (i: number): string => `<165>1 2026-11-22T10:00:00Z web1 nginx - - [a@1 x="1"] ${LINE(i)}`;

/** Everything a test opened, closed after it whatever happened. */
const cleanups = new Cleanups();
afterEach(async () => {
  await cleanups.run();
});


interface Running {
  readonly src: SyslogSource;
  readonly lines: string[];
  /** Resolves when batches() has ended. */
  readonly done: Promise<void>;
}

async function startSource(over: Partial<SyslogOptions> = {}): Promise<SyslogSource> {
  const src = new SyslogSource({ name: 'test', host: HOST, port: 0, protocol: 'both', maxMessage: 4096, maxConnections: 8, ...over });
  await src.start();
  cleanups.add(() => src.stop());
  return src;
}

/** Pulls batches in the background, splitting them into lines. */
function consume(src: SyslogSource): Running {
  const lines: string[] = [];
  const done = (async () => {
    for await (const batch of src.batches()) {
      expect(batch.segment).toBeUndefined();
      const text = batch.data.toString('latin1');
      // Every batch is whole lines: a message never straddles two batches.
      expect(text.endsWith('\n')).toBe(true);
      lines.push(...text.slice(0, -1).split('\n'));
    }
  })();
  cleanups.add(async () => {
    src.stop();
    await done;
  });
  return { src, lines, done };
}

async function udpClient(): Promise<dgram.Socket> {
  const c = dgram.createSocket('udp4');
  cleanups.add(() => new Promise<void>((r) => c.close(() => r())));
  return c;
}

function sendUdp(c: dgram.Socket, port: number, msg: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => c.send(msg, port, HOST, (err) => (err ? reject(err) : resolve())));
}

async function tcpClient(port: number): Promise<net.Socket> {
  const c = net.connect(port, HOST);
  // The source resets connections it closes (garbage, stop()); that is expected here.
  c.on('error', () => undefined);
  cleanups.add(() => {
    c.destroy();
  });
  await once(c, 'connect');
  return c;
}

function write(c: net.Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => c.write(data, (err) => (err ? reject(err) : resolve())));
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function octet(msg: string): string {
  return `${Buffer.byteLength(msg)} ${msg}`;
}

describe('SyslogSource over UDP', () => {
  it('turns each datagram into one line without its envelope', async () => {
    const src = await startSource({ protocol: 'udp' });
    expect(src.ports.udp).toBeGreaterThan(0);
    expect(src.ports.tcp).toBeUndefined();
    const run = consume(src);
    const c = await udpClient();
    await sendUdp(c, src.ports.udp!, BSD(1));
    await sendUdp(c, src.ports.udp!, `${RFC5424(2)}\n`);
    await sendUdp(c, src.ports.udp!, `<190>Nov  2 10:00:00 nginx: ${LINE(3)}\r\n`);
    await until(() => run.lines.length >= 3, 'three lines');
    expect(run.lines).toEqual([LINE(1), LINE(2), LINE(3)]);
    expect(src.received).toBe(3);
  });

  it('drops and counts a datagram longer than maxMessage', async () => {
    const src = await startSource({ protocol: 'udp', maxMessage: 200 });
    const run = consume(src);
    const c = await udpClient();
    await sendUdp(c, src.ports.udp!, `<190>nginx: ${'x'.repeat(500)}`);
    await sendUdp(c, src.ports.udp!, BSD(7));
    await until(() => run.lines.length >= 1 && src.drops.oversize >= 1, 'one line and one drop');
    expect(run.lines).toEqual([LINE(7)]);
    expect(src.drops.oversize).toBe(1);
  });
});

describe('SyslogSource over TCP', () => {
  it('decodes octet-counted and LF-framed messages split over several writes', async () => {
    const src = await startSource({ protocol: 'tcp' });
    expect(src.ports.udp).toBeUndefined();
    const run = consume(src);
    const c = await tcpClient(src.ports.tcp!);
    const stream = `${octet(BSD(1))}${RFC5424(2)}\n${octet(RFC5424(3))}${BSD(4)}\r\n`;
    // Cut the stream in uneven pieces, including inside a length prefix and an envelope.
    for (const [a, b] of [
      [0, 1],
      [1, 30],
      [30, 131],
      [131, 132],
      [132, 250],
      [250, stream.length],
    ]) {
      await write(c, stream.slice(a, b));
      await pause(5);
    }
    await until(() => run.lines.length >= 4, 'four lines');
    expect(run.lines).toEqual([LINE(1), LINE(2), LINE(3), LINE(4)]);
  });

  it('listens for UDP and TCP on the same port with protocol both', async () => {
    const src = await startSource({ protocol: 'both' });
    expect(src.ports.tcp).toBe(src.ports.udp);
    const run = consume(src);
    const u = await udpClient();
    await sendUdp(u, src.ports.udp!, BSD(1));
    await until(() => run.lines.length >= 1, 'the UDP line');
    const t = await tcpClient(src.ports.tcp!);
    await write(t, `${BSD(2)}\n`);
    await until(() => run.lines.length >= 2, 'the TCP line');
    expect(run.lines).toEqual([LINE(1), LINE(2)]);
  });

  it('drops and counts an oversize message and keeps the ones after it', async () => {
    const src = await startSource({ protocol: 'tcp', maxMessage: 300 });
    const run = consume(src);
    const c = await tcpClient(src.ports.tcp!);
    const big = `<190>nginx: ${'y'.repeat(5000)}`;
    await write(c, `${octet(BSD(1))}${octet(big)}${big}\n${BSD(2)}\n`);
    await until(() => run.lines.length >= 2, 'two lines');
    expect(run.lines).toEqual([LINE(1), LINE(2)]);
    expect(src.drops.oversize).toBe(2);
  });

  it('closes and counts a connection that does not speak syslog, and keeps serving the others', async () => {
    const src = await startSource({ protocol: 'tcp' });
    const run = consume(src);
    const good = await tcpClient(src.ports.tcp!);
    await write(good, `${BSD(1)}\n`);
    await until(() => run.lines.length >= 1, 'the first line');

    const http = await tcpClient(src.ports.tcp!);
    const closed = once(http, 'close');
    http.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await closed;
    const tls = await tcpClient(src.ports.tcp!);
    const tlsClosed = once(tls, 'close');
    tls.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]));
    await tlsClosed;
    expect(src.drops.garbage_connection).toBe(2);

    await write(good, `${octet(BSD(2))}`);
    const late = await tcpClient(src.ports.tcp!);
    await write(late, `${BSD(3)}\n`);
    await until(() => run.lines.length >= 3, 'lines after the garbage');
    expect(run.lines).toEqual([LINE(1), LINE(2), LINE(3)]);
  });
});

describe('SyslogSource messages as lines', () => {
  it('turns an octet-counted message with line breaks inside into one line, the breaks as spaces', async () => {
    const src = await startSource({ protocol: 'tcp' });
    const run = consume(src);
    const c = await tcpClient(src.ports.tcp!);
    await write(c, `${octet(`<190>nginx: first half\nsecond half`)}${octet(`<190>nginx: crlf\r\ninside`)}${octet(BSD(3))}`);
    await until(() => run.lines.length >= 3, 'three lines');
    expect(run.lines).toEqual(['first half second half', 'crlf  inside', LINE(3)]);
    expect(src.received).toBe(3);
  });

  it('turns a datagram with a line break inside into one line, and drops only the trailing break', async () => {
    const src = await startSource({ protocol: 'udp' });
    const run = consume(src);
    const c = await udpClient();
    await sendUdp(c, src.ports.udp!, `<190>nginx: one\ntwo\n`);
    await sendUdp(c, src.ports.udp!, BSD(2));
    await until(() => run.lines.length >= 2, 'two lines');
    expect(run.lines).toEqual(['one two', LINE(2)]);
  });

  it('keeps the client address of a message sent without a tag', async () => {
    const src = await startSource({ protocol: 'udp' });
    const run = consume(src);
    const c = await udpClient();
    const haproxy = '81.6.12.34:5123 [22/Nov/2026:10:00:00.123] fe be/srv 0/0/1/2/3 200 512';
    await sendUdp(c, src.ports.udp!, `<13>${haproxy}`);
    await sendUdp(c, src.ports.udp!, `<13>2001:db8::1 - - x`);
    await sendUdp(c, src.ports.udp!, `<13>Nov 22 10:00:00 ${LINE(3)}`);
    await until(() => run.lines.length >= 3, 'three lines');
    expect(run.lines).toEqual([haproxy, '2001:db8::1 - - x', LINE(3)]);
  });
});

describe('syslogSourceConfigSchema', () => {
  it('accepts port 0 (any free port) and fills the defaults', () => {
    expect(syslogSourceConfigSchema.parse({ type: 'syslog', port: 0 })).toEqual({ type: 'syslog', port: 0, host: '127.0.0.1', protocol: 'udp', max_connections: 64, receive_buffer_bytes: 4 * 1024 * 1024 });
  });

  it.each([-1, 65_536, 1.5])('rejects port %s', (port) => {
    expect(syslogSourceConfigSchema.safeParse({ type: 'syslog', port }).success).toBe(false);
  });

  it('rejects an unknown key', () => {
    expect(syslogSourceConfigSchema.safeParse({ type: 'syslog', port: 514, bind: '0.0.0.0' }).success).toBe(false);
  });
});

describe('SyslogSource connection limit', () => {
  it('refuses and counts connections past max_connections, and keeps serving the open one', async () => {
    const src = await startSource({ protocol: 'tcp', maxConnections: 1 });
    const run = consume(src);
    const first = await tcpClient(src.ports.tcp!);
    await write(first, `${BSD(1)}\n`);
    await until(() => run.lines.length >= 1, 'the first line');
    const second = net.connect(src.ports.tcp!, HOST);
    second.on('error', () => undefined);
    cleanups.add(() => {
      second.destroy();
    });
    await once(second, 'close');
    await until(() => src.drops.refused_connection === 1, 'the refusal to be counted');
    await write(first, `${BSD(2)}\n`);
    await until(() => run.lines.length >= 2, 'the second line');
    expect(run.lines).toEqual([LINE(1), LINE(2)]);
  });
});

describe('SyslogSource lifecycle', () => {
  it('ends batches() when stopped', async () => {
    const src = await startSource({ protocol: 'both' });
    const run = consume(src);
    const c = await tcpClient(src.ports.tcp!);
    await write(c, `${BSD(1)}\n`);
    await until(() => run.lines.length >= 1, 'a line');
    const closed = once(c, 'close');
    src.stop();
    await run.done;
    // The open connection is closed too.
    await closed;
    src.stop(); // idempotent
  });

  it('ends batches() at once when stopped before it is pulled', async () => {
    const src = await startSource({ protocol: 'udp' });
    src.stop();
    const got: unknown[] = [];
    for await (const b of src.batches()) got.push(b);
    expect(got).toEqual([]);
  });

  it('fails to start with GALLRA_SOURCE_FAILED naming host:port when the TCP port is taken', async () => {
    const other = net.createServer();
    other.listen(0, HOST);
    await once(other, 'listening');
    cleanups.add(() => new Promise<void>((r) => other.close(() => r())));
    const port = (other.address() as net.AddressInfo).port;
    const src = new SyslogSource({ name: 'busy', host: HOST, port, protocol: 'tcp', maxMessage: 4096, maxConnections: 8 });
    const err = await src.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    src.stop();
    expect(isGallraError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('GALLRA_SOURCE_FAILED');
    expect((err as Error).message).toContain(`${HOST}:${port}`);
    expect((err as Error).message).toContain('EADDRINUSE');
  });

  it('fails to start with GALLRA_SOURCE_FAILED when the UDP port is taken, closing the socket that failed to bind', async () => {
    const other = dgram.createSocket('udp4');
    cleanups.add(() => new Promise<void>((r) => other.close(() => r())));
    await new Promise<void>((r) => other.bind(0, HOST, () => r()));
    const port = other.address().port;
    // Watch the socket the source creates: it never becomes the source's, so only start() can close it.
    const created: dgram.Socket[] = [];
    const createSocket = dgram.createSocket.bind(dgram) as (o: dgram.SocketOptions) => dgram.Socket;
    const spy = vi.spyOn(dgram, 'createSocket').mockImplementation(((o: dgram.SocketOptions) => {
      const sock = createSocket(o);
      created.push(sock);
      return sock;
    }) as typeof dgram.createSocket);
    cleanups.add(() => spy.mockRestore());
    const closed: boolean[] = [];
    const src = new SyslogSource({ name: 'busy', host: HOST, port, protocol: 'udp', maxMessage: 4096, maxConnections: 8 });
    const starting = src.start();
    expect(created).toHaveLength(1);
    created[0]!.on('close', () => closed.push(true));
    await expect(starting).rejects.toMatchObject({ code: 'GALLRA_SOURCE_FAILED', message: expect.stringContaining(`${HOST}:${port}`) });
    src.stop();
    await until(() => closed.length === 1, 'the socket that failed to bind to close', 2000);
  });

  it('releases the UDP port when the TCP half of protocol both fails', async () => {
    const other = net.createServer();
    other.listen(0, HOST);
    await once(other, 'listening');
    cleanups.add(() => new Promise<void>((r) => other.close(() => r())));
    const port = (other.address() as net.AddressInfo).port;
    const src = new SyslogSource({ name: 'busy', host: HOST, port, protocol: 'both', maxMessage: 4096, maxConnections: 8 });
    await expect(src.start()).rejects.toMatchObject({ code: 'GALLRA_SOURCE_FAILED' });
    // The UDP port bound before the failure is free again.
    const probe = dgram.createSocket('udp4');
    cleanups.add(() => new Promise<void>((r) => probe.close(() => r())));
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(port, HOST, () => resolve());
    });
  });
});

describe('SyslogSource queue bound', () => {
  it('drops and counts UDP messages past the queue bound while nobody pulls, and takes them again once pulled', async () => {
    const limit = 1000;
    const src = await startSource({ protocol: 'udp', queueBytes: limit });
    const c = await udpClient();
    const n = 60;
    for (let i = 0; i < n; i++) await sendUdp(c, src.ports.udp!, BSD(i));
    await until(() => src.received + src.drops.overflow === n, 'every datagram to be counted');
    expect(src.drops.overflow).toBeGreaterThan(0);
    // At most one message past the bound is queued.
    expect(src.lagBytes()).toBeLessThanOrEqual(limit + LINE(0).length + 1);
    const accepted = src.received;
    expect(accepted).toBeLessThan(n);

    const run = consume(src);
    await until(() => run.lines.length === accepted, 'the queued lines');
    expect(run.lines).toEqual(Array.from({ length: accepted }, (_, i) => LINE(i)));
    await sendUdp(c, src.ports.udp!, BSD(999));
    await until(() => run.lines.length === accepted + 1, 'a line after the queue drained');
    expect(run.lines.at(-1)).toBe(LINE(999));
    expect(src.drops.overflow).toBe(n - accepted);
  });

  it('pauses TCP senders past the queue bound, so the queue stays bounded, and resumes them when pulled', async () => {
    const limit = 4096;
    const maxMessage = 2048;
    const src = await startSource({ protocol: 'tcp', queueBytes: limit, maxMessage });
    // Record the queue's size after every message it takes.
    let maxQueued = 0;
    const s = src as unknown as { accept: (...a: unknown[]) => void; paused: boolean };
    const accept = s.accept.bind(src);
    s.accept = (...a: unknown[]) => {
      accept(...a);
      maxQueued = Math.max(maxQueued, src.lagBytes());
    };

    // Far more than the kernel's socket buffers hold, so the sender must block.
    const body = 'z'.repeat(900);
    const n = 20_000;
    const msg = (i: number): string => `<190>nginx: ${String(i).padStart(6, '0')} ${body}`;
    const c = await tcpClient(src.ports.tcp!);
    let sent = 0;
    let writing = true;
    void (async () => {
      for (let i = 0; i < n && !c.destroyed; i += 500) {
        let chunk = '';
        for (let k = i; k < Math.min(n, i + 500); k++) chunk += octet(msg(k));
        if (!c.write(chunk)) await once(c, 'drain').catch(() => undefined);
        sent = Math.min(n, i + 500);
      }
      writing = false;
    })();

    await until(() => s.paused, 'the source to pause its TCP connections');
    // Paused while most of the input was still with the sender.
    expect(src.received).toBeLessThan(n / 2);

    const run = consume(src);
    await until(() => run.lines.length === n, `all ${n} lines (got ${run.lines.length}, sent ${sent})`, 20_000);
    expect(writing).toBe(false);
    for (let i = 0; i < n; i++) {
      if (run.lines[i] !== `${String(i).padStart(6, '0')} ${body}`) throw new Error(`line ${i} is wrong or out of order`);
    }
    expect(src.drops.overflow).toBe(0);
    // The bound: the limit, plus the rest of the chunk the socket was delivering when it paused.
    expect(maxQueued).toBeLessThanOrEqual(limit + 64 * 1024 + 2 * maxMessage);
    expect(s.paused).toBe(false);
  });
});
