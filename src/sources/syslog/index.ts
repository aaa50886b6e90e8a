/**
 * `syslog` source: a listener for syslog over UDP and/or TCP (nginx
 * `access_log syslog:server=127.0.0.1:5514`, HAProxy `log 127.0.0.1:5514`,
 * rsyslog forwarding). Bound to 127.0.0.1 unless configured otherwise: raw
 * logs should not cross a network to reach their anonymiser.
 *
 * Each message loses its syslog envelope and becomes one line for the
 * configured format. Messages wait in a bounded queue: past its limit TCP
 * connections are paused (the senders' kernels buffer, then they slow down)
 * and UDP datagrams — which cannot be slowed — are dropped and counted.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { z } from 'zod';
import { GallraError } from '../../errors.js';
import { type Source, type SourceBatch, type SourcePosition, Waiter } from '../source.js';
import { messageStart } from './envelope.js';
import { FrameDecoder } from './framing.js';

export const syslogSourceConfigSchema = z.strictObject({
  type: z.literal('syslog'),
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)').optional(),
  /** Address to listen on; keep it on loopback unless the network between is trusted. */
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 picks a free port (tests). */
  port: z.int().min(0).max(65_535),
  /** udp (nginx sends only UDP), tcp, or both on the same port. */
  protocol: z.enum(['udp', 'tcp', 'both']).default('udp'),
  /** A format from `formats:` or auto; default input.format. */
  format: z.string().optional(),
  /** Most TCP connections at once. */
  max_connections: z.int().min(1).max(10_000).default(64),
});
export type SyslogSourceConfig = z.infer<typeof syslogSourceConfigSchema>;

export interface SyslogOptions {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly protocol: 'udp' | 'tcp' | 'both';
  /** Longest message kept; longer ones are counted as oversize and dropped. */
  readonly maxMessage: number;
  readonly maxConnections: number;
  /** Bytes queued before TCP is paused and UDP dropped. */
  readonly queueBytes?: number;
}

const BATCH_BYTES = 64 * 1024;
const NL = Buffer.from('\n');

/** Why the syslog source dropped something; counted in `drops`. */
export type SyslogDrop = 'oversize' | 'overflow' | 'garbage_connection' | 'refused_connection';

/**
 * @example
 * const src = new SyslogSource({ name: 'nginx', host: '127.0.0.1', port: 5514, protocol: 'udp', maxMessage: 65536, maxConnections: 64 });
 * await src.start();
 */
export class SyslogSource implements Source {
  readonly name: string;
  readonly drops: Record<SyslogDrop, number> = { oversize: 0, overflow: 0, garbage_connection: 0, refused_connection: 0 };
  /** Messages accepted into the queue. */
  received = 0;
  private queue: Buffer[] = [];
  private queued = 0;
  private stopped = false;
  private readonly waiter = new Waiter();
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private paused = false;
  private readonly limit: number;

  constructor(private readonly options: SyslogOptions) {
    this.name = options.name;
    this.limit = options.queueBytes ?? 8 * 1024 * 1024;
  }

  /** The bound TCP and UDP ports (useful when port 0 asked for any free port). */
  get ports(): { udp: number | undefined; tcp: number | undefined } {
    const tcpAddr = this.tcp?.address();
    return { udp: this.udp?.address().port, tcp: typeof tcpAddr === 'object' && tcpAddr !== null ? tcpAddr.port : undefined };
  }

  async start(): Promise<void> {
    const { host, port, protocol } = this.options;
    try {
      if (protocol === 'udp' || protocol === 'both') await this.listenUdp(host, port);
      if (protocol === 'tcp' || protocol === 'both') await this.listenTcp(host, protocol === 'both' ? (this.udp?.address().port ?? port) : port);
    } catch (err) {
      this.stop();
      throw new GallraError('GALLRA_SOURCE_FAILED', `syslog source ${this.name}: cannot listen on ${host}:${port} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.udp?.close();
    this.tcp?.close();
    for (const s of this.sockets) s.destroy();
    this.waiter.wake();
  }

  lagBytes(): number {
    return this.queued;
  }

  async commit(_position: SourcePosition): Promise<void> {
    // Syslog has no acknowledgements to send back.
  }

  async *batches(): AsyncGenerator<SourceBatch> {
    while (true) {
      if (this.queue.length === 0) {
        if (this.stopped) return;
        await this.waiter.wait(1000);
        continue;
      }
      // Take up to a batch's worth of queued messages.
      const parts: Buffer[] = [];
      let size = 0;
      while (this.queue.length > 0 && size < BATCH_BYTES) {
        const m = this.queue.shift()!;
        parts.push(m);
        size += m.length;
      }
      this.queued -= size;
      if (this.paused && this.queued < this.limit / 2) this.resume();
      yield { data: Buffer.concat(parts, size), segment: undefined, offset: 0, endOfSegment: false };
    }
  }

  /** Queues one message (envelope stripped) as a line. */
  private accept(b: Buffer, start: number, end: number, canWait: boolean): void {
    if (this.stopped) return;
    // Trailing line breaks belong to the transport, not the message.
    while (end > start && (b[end - 1] === 10 || b[end - 1] === 13 || b[end - 1] === 0)) end--;
    if (end - start > this.options.maxMessage) {
      this.drops.oversize++;
      return;
    }
    const at = messageStart(b, start, end);
    const from = at < 0 ? start : at;
    if (!canWait && this.queued > this.limit) {
      this.drops.overflow++;
      return;
    }
    const line = Buffer.concat([b.subarray(from, end), NL]);
    // One message is one line: a line break inside (octet counting allows it) would split it into fragments.
    for (let k = 0; k < line.length - 1; k++) if (line[k] === 10 || line[k] === 13) line[k] = 32;
    this.queue.push(line);
    this.queued += line.length;
    this.received++;
    if (canWait && !this.paused && this.queued > this.limit) this.pause();
    this.waiter.wake();
  }

  private pause(): void {
    this.paused = true;
    for (const s of this.sockets) s.pause();
  }

  private resume(): void {
    this.paused = false;
    for (const s of this.sockets) s.resume();
  }

  private listenUdp(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: 4 * 1024 * 1024 });
      // A socket that failed to bind is not this.udp, so stop() would not close it.
      const failed = (err: Error): void => {
        sock.close();
        reject(err);
      };
      sock.once('error', failed);
      sock.on('message', (msg) => this.accept(msg, 0, msg.length, false));
      sock.bind(port, host, () => {
        sock.off('error', failed);
        sock.on('error', () => undefined);
        this.udp = sock;
        resolve();
      });
    });
  }

  private listenTcp(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => this.connection(socket));
      server.maxConnections = this.options.maxConnections;
      server.on('drop', () => this.drops.refused_connection++);
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        this.tcp = server;
        resolve();
      });
    });
  }

  private connection(socket: net.Socket): void {
    this.sockets.add(socket);
    if (this.paused) socket.pause();
    const decoder = new FrameDecoder(this.options.maxMessage, {
      message: (b, s, e) => this.accept(b, s, e, true),
      oversize: () => this.drops.oversize++,
    });
    socket.on('data', (chunk: Buffer) => {
      if (!decoder.push(chunk)) {
        // Not syslog: say nothing, count it, close.
        this.drops.garbage_connection++;
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}
