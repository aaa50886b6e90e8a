/**
 * Datagrams the kernel dropped on a UDP socket because its receive buffer
 * was full — invisible to the process, which never sees them. Linux counts
 * them per socket in the last column (`drops`) of /proc/net/udp and
 * /proc/net/udp6; the socket's line is found by its inode, which is the
 * target of one of this process's /proc/self/fd links (`socket:[12345]`).
 * Elsewhere (no /proc) the count is unknown and reads as 0.
 *
 * Format (net/ipv4/udp.c, udp4_format_sock):
 *   sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
 */
import fs from 'node:fs';

const TABLES = ['/proc/net/udp', '/proc/net/udp6'] as const;
const INODE = 9;
const DROPS = 12;

/** The inodes of this process's sockets. */
function ownSocketInodes(): Set<string> {
  const out = new Set<string>();
  let fds: string[];
  try {
    fds = fs.readdirSync('/proc/self/fd');
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
      if (m !== null) out.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** Data lines of the UDP tables, split into fields. */
function rows(): string[][] {
  const out: string[][] = [];
  for (const t of TABLES) {
    let text: string;
    try {
      text = fs.readFileSync(t, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > DROPS) out.push(f);
    }
  }
  return out;
}

/**
 * The inode of this process's UDP socket bound to `port`, or undefined (no
 * /proc, or not found).
 *
 * @example
 * const inode = udpSocketInode(5514);
 */
export function udpSocketInode(port: number): string | undefined {
  const own = ownSocketInodes();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const f of rows()) if (f[1]!.endsWith(`:${hexPort}`) && own.has(f[INODE]!)) return f[INODE];
  return undefined;
}

/** What the kernel says about one UDP socket. */
export interface UdpSocketCounters {
  /** Datagrams dropped because the receive buffer was full (since the socket was made). */
  readonly drops: number;
  /** Bytes waiting in the receive buffer now. */
  readonly queued: number;
}

/**
 * The kernel's counters of the UDP socket with `inode`, or undefined when it is not listed.
 *
 * @example
 * udpSocketCounters(inode)?.drops // 9300
 */
export function udpSocketCounters(inode: string): UdpSocketCounters | undefined {
  for (const f of rows()) {
    if (f[INODE] !== inode) continue;
    const rx = f[4]!.split(':')[1] ?? '0';
    return { drops: Number(f[DROPS]), queued: Number.parseInt(rx, 16) };
  }
  return undefined;
}
