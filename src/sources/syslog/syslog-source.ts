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
import { GallraError } from '../../errors.js';
import { type Source, type BytesBatch, type SourcePosition, Waiter } from '../source.js';
import { messageStart } from './envelope.js';
import { FrameDecoder } from './framing.js';
import { CR, NL, SPACE } from '../../util/ascii.js';

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
  /** Full batches waiting to be pulled, oldest first. */
  private readonly sealed: Buffer[] = [];
  /** The batch being filled, and how much of it is. */
  private current = Buffer.allocUnsafe(BATCH_BYTES * 2);
  private fill = 0;
  /** Bytes waiting in sealed batches and the current one. */
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
    // Closes whatever is open each time it is called: a socket bound after an
    // earlier stop() (start() still running) is closed by the next one.
    this.stopped = true;
    try {
      this.udp?.close();
    } catch {
      // already closed
    }
    this.udp = undefined;
    this.tcp?.close();
    this.tcp = undefined;
    for (const s of this.sockets) s.destroy();
    this.waiter.wake();
  }

  lagBytes(): number {
    return this.queued;
  }

  async commit(_positions: readonly SourcePosition[]): Promise<void> {
    // Syslog has no acknowledgements to send back.
  }

  async *batches(): AsyncGenerator<BytesBatch> {
    while (true) {
      if (this.sealed.length === 0 && this.fill === 0) {
        if (this.stopped) return;
        await this.waiter.wait(1000);
        continue;
      }
      // Oldest full batch first, else what has gathered so far.
      let data: Buffer;
      if (this.sealed.length > 0) {
        data = this.sealed.shift()!;
      } else {
        // At a trickle this runs once per message: a small batch is copied out
        // and the buffer kept, rather than a fresh 128 KiB buffer each time.
        if (this.fill < BATCH_BYTES / 4) {
          data = Buffer.from(this.current.subarray(0, this.fill));
        } else {
          data = this.current.subarray(0, this.fill);
          this.current = Buffer.allocUnsafe(BATCH_BYTES * 2);
        }
        this.fill = 0;
      }
      this.queued -= data.length;
      if (this.paused && this.queued < this.limit / 2) this.resume();
      yield { data, segment: undefined, offset: 0, endOfSegment: false };
    }
  }

  /** Queues one message (envelope stripped) as a line: copied once, into the batch being filled. */
  private accept(b: Buffer, start: number, end: number, canWait: boolean): void {
    if (this.stopped) return;
    // Trailing line breaks belong to the transport, not the message.
    while (end > start && (b[end - 1] === NL || b[end - 1] === CR || b[end - 1] === 0)) end--;
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
    const len = end - from;
    if (this.fill + len + 1 > this.current.length) {
      // Seal the batch being filled (a message never spans two batches).
      if (this.fill > 0) this.sealed.push(this.current.subarray(0, this.fill));
      this.current = Buffer.allocUnsafe(Math.max(BATCH_BYTES * 2, len + 1));
      this.fill = 0;
    }
    const cur = this.current;
    const at0 = this.fill;
    const stop = at0 + len;
    b.copy(cur, at0, from, end);
    // One message is one line: a line break inside (octet counting allows it)
    // would split it into fragments. The byte after the copy is set to what
    // is searched for, so each search stops there at the latest.
    cur[stop] = CR;
    const cr = cur.indexOf(CR, at0);
    cur[stop] = NL;
    if (cr < stop || cur.indexOf(NL, at0) < stop) for (let k = at0; k < stop; k++) if (cur[k] === NL || cur[k] === CR) cur[k] = SPACE;
    this.fill += len + 1;
    this.queued += len + 1;
    this.received++;
    if (this.fill >= BATCH_BYTES) {
      this.sealed.push(this.current.subarray(0, this.fill));
      this.current = Buffer.allocUnsafe(BATCH_BYTES * 2);
      this.fill = 0;
    }
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
