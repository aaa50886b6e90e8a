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
 *
 * UDP has a second place to lose datagrams: the socket's receive buffer in
 * the kernel, which fills when a burst arrives faster than gallra's event
 * loop takes datagrams out. Those drops never reach gallra; the kernel
 * counts them per socket (udp-drops.ts), and gallra reports them as
 * `receive_buffer` drops, warns when they grow, and sizes the buffer from
 * `receive_buffer_bytes` (the kernel caps it at net.core.rmem_max, which is
 * said at start).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { GallraError } from '../../errors.js';
import { type Source, type BytesBatch, type SourcePosition, Waiter } from '../source.js';
import { messageStart } from './envelope.js';
import { FrameDecoder } from './framing.js';
import { CR, NL, SPACE } from '../../util/ascii.js';
import type { MetricSample } from '../../util/metric.js';
import { udpSocketCounters, udpSocketInode } from './udp-drops.js';

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
  /** The UDP socket's receive buffer asked of the kernel (SO_RCVBUF); default 4 MiB. */
  readonly receiveBufferBytes?: number;
  /** Warnings for the operator (kernel drops, a capped buffer). */
  readonly warn?: (message: string) => void;
}

const DEFAULT_RECEIVE_BUFFER = 4 * 1024 * 1024;
/** Kernel drops are looked at this often at most, and warned about this often at most. */
const DROPS_CHECK_MS = 1000;
const DROPS_WARN_MS = 5 * 60_000;

const BATCH_BYTES = 64 * 1024;

/** Why the syslog source dropped something; counted in `drops` (receive_buffer: by the kernel, before gallra saw it). */
export type SyslogDrop = 'oversize' | 'overflow' | 'garbage_connection' | 'refused_connection' | 'receive_buffer';

/**
 * @example
 * const src = new SyslogSource({ name: 'nginx', host: '127.0.0.1', port: 5514, protocol: 'udp', maxMessage: 65536, maxConnections: 64 });
 * await src.start();
 */
export class SyslogSource implements Source {
  readonly name: string;
  /** What gallra itself dropped. */
  private readonly counts: Record<Exclude<SyslogDrop, 'receive_buffer'>, number> = { oversize: 0, overflow: 0, garbage_connection: 0, refused_connection: 0 };
  /** The UDP socket's inode (its line in /proc/net/udp), when known. */
  private inode: string | undefined;
  /** Kernel drops when last looked at, when that was, and when they were last warned about. */
  private kernelDrops = 0;
  private droppedCheckedAt = 0;
  private droppedWarnedAt = 0;
  private droppedWarned = 0;
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

  /** Messages dropped, by reason: gallra's own and the kernel's (a full UDP receive buffer). */
  get drops(): Readonly<Record<SyslogDrop, number>> {
    return { ...this.counts, receive_buffer: this.readKernelDrops() };
  }

  /** The kernel's drop count of the UDP socket (0 without UDP or /proc). */
  private readKernelDrops(): number {
    if (this.inode === undefined) return this.kernelDrops;
    const c = udpSocketCounters(this.inode);
    if (c !== undefined) this.kernelDrops = c.drops;
    this.droppedCheckedAt = Date.now();
    return this.kernelDrops;
  }

  /** Warns (at most every five minutes) when the kernel dropped datagrams since the last warning. */
  private checkKernelDrops(): void {
    if (this.inode === undefined || Date.now() - this.droppedCheckedAt < DROPS_CHECK_MS) return;
    const n = this.readKernelDrops();
    if (n <= this.droppedWarned || Date.now() - this.droppedWarnedAt < DROPS_WARN_MS) return;
    const size = this.udp?.getRecvBufferSize() ?? 0;
    this.options.warn?.(
      `${this.name}: the kernel dropped ${n - this.droppedWarned} UDP datagrams (${n} in all) because the socket's receive buffer (${size} bytes) was full during a burst; raise receive_buffer_bytes (and net.core.rmem_max), or send over TCP`,
    );
    this.droppedWarned = n;
    this.droppedWarnedAt = Date.now();
  }

  metrics(): readonly MetricSample[] {
    if (this.udp === undefined) return [];
    const labels = { source: this.name };
    const c = this.inode === undefined ? undefined : udpSocketCounters(this.inode);
    return [
      { name: 'gallra_syslog_receive_buffer_bytes', help: 'Size of the UDP socket receive buffer the kernel granted (SO_RCVBUF, as the kernel reports it: twice what it accounts for data).', type: 'gauge', labels, value: this.udp.getRecvBufferSize() },
      { name: 'gallra_syslog_receive_queue_bytes', help: 'Bytes waiting in the UDP socket receive buffer now (from /proc/net/udp).', type: 'gauge', labels, value: c?.queued ?? 0 },
    ];
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
        this.checkKernelDrops();
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
      this.checkKernelDrops();
      yield { data, segment: undefined, offset: 0, endOfSegment: false };
    }
  }

  /** Queues one message (envelope stripped) as a line: copied once, into the batch being filled. */
  private accept(b: Buffer, start: number, end: number, canWait: boolean): void {
    if (this.stopped) return;
    // Trailing line breaks belong to the transport, not the message.
    while (end > start && (b[end - 1] === NL || b[end - 1] === CR || b[end - 1] === 0)) end--;
    if (end - start > this.options.maxMessage) {
      this.counts.oversize++;
      return;
    }
    const at = messageStart(b, start, end);
    const from = at < 0 ? start : at;
    if (!canWait && this.queued > this.limit) {
      this.counts.overflow++;
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
      const want = this.options.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER;
      const sock = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: want });
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
        this.inode = udpSocketInode(sock.address().port);
        this.kernelDrops = 0;
        // Linux reports twice the size it grants (the other half is its bookkeeping) and grants at most net.core.rmem_max.
        const granted = sock.getRecvBufferSize() / 2;
        if (granted < want) {
          this.options.warn?.(
            `${this.name}: asked for a ${want}-byte UDP receive buffer, the kernel granted ${granted} (net.core.rmem_max); bursts beyond it are dropped by the kernel. Raise it: sysctl -w net.core.rmem_max=${want}`,
          );
        }
        resolve();
      });
    });
  }

  private listenTcp(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => this.connection(socket));
      server.maxConnections = this.options.maxConnections;
      server.on('drop', () => this.counts.refused_connection++);
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
      oversize: () => this.counts.oversize++,
    });
    socket.on('data', (chunk: Buffer) => {
      if (!decoder.push(chunk)) {
        // Not syslog: say nothing, count it, close.
        this.counts.garbage_connection++;
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}
