/**
 * Generated web traffic for the aggregate tests: vhost_combined lines with
 * the raw values they were made from, so a test can compute by brute force
 * what the aggregate stage must publish (distinct visitors are distinct
 * host + address + user agent within a salt epoch, exactly what the visitor
 * id pseudonymises).
 */
import type { Dimension } from '../../src/stores/aggregates-table.js';
import { classifyUserAgent } from '../../src/transforms/generalise-user-agent/generalise-user-agent.js';
import { pathTemplateOf } from '../../src/aggregate/dimensions.js';
import { referrerDomain } from '../../src/aggregate/referrer.js';
import { clfTime } from './lines.js';

/** One generated request, raw. */
export interface Hit {
  readonly time: number;
  readonly host: string;
  readonly port: string;
  readonly ip: string;
  readonly user: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly bytes: number;
  readonly referer: string;
  readonly ua: string;
  readonly line: string;
}

/** A small deterministic PRNG (xorshift32). */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

export const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'curl/8.5.0',
];

const PATHS = ['/', '/about', '/blog/privacy-by-design', '/products/{n}', '/api/v1/orders/{n}', '/files/{uuid}', '/search', '/contact', '/wp-login.php', '/docs/getting-started'];
const STATUSES = [200, 200, 200, 200, 304, 301, 404, 404, 500, 403];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'HEAD'];

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

export interface TrafficOptions {
  readonly seed: number;
  readonly events: number;
  /** First event time (ms). */
  readonly start: number;
  /** Events are spread over [start, start + spanMs), in time order (a little jitter within a minute). */
  readonly spanMs: number;
  readonly hosts?: readonly string[];
  /** Distinct (address, user agent) pairs to draw visitors from. */
  readonly visitors?: number;
  /** Share of requests with a logged-in user. */
  readonly users?: number;
}

/**
 * Generated traffic in time order.
 *
 * @example
 * const hits = traffic({ seed: 1, events: 2000, start: T0 - DAY, spanMs: 6 * HOUR });
 */
export function traffic(o: TrafficOptions): Hit[] {
  const r = prng(o.seed);
  const hosts = o.hosts ?? ['www.example.org', 'shop.example.org'];
  const nv = o.visitors ?? 200;
  const pool = Array.from({ length: nv }, (_, i) => ({
    ip: i % 5 === 0 ? `2001:db8:${(i * 7).toString(16)}::${(i + 1).toString(16)}` : `198.51.${Math.floor(i / 250) % 256}.${(i % 250) + 1}`,
    ua: UAS[Math.floor(r() * UAS.length)]!,
    user: r() < (o.users ?? 0.15) ? `user${i}@example.com` : '-',
  }));
  const hits: Hit[] = [];
  for (let k = 0; k < o.events; k++) {
    const time = Math.floor(o.start + (k / o.events) * o.spanMs + r() * 30_000);
    // Skewed: a few visitors make many requests, many make few.
    const v = pool[Math.floor(nv * r() * r())]!;
    const host = hosts[Math.floor(r() * hosts.length)]!;
    const port = r() < 0.9 ? '443' : '8443';
    const path = PATHS[Math.floor(r() * r() * PATHS.length)]!.replace('{n}', String(Math.floor(r() * 100_000))).replace('{uuid}', `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`);
    const method = METHODS[Math.floor(r() * METHODS.length)]!;
    const status = STATUSES[Math.floor(r() * STATUSES.length)]!;
    const bytes = Math.floor(r() * 50_000);
    const ref = r();
    const referer = ref < 0.4 ? '-' : ref < 0.6 ? 'https://www.google.com/' : ref < 0.75 ? 'https://news.ycombinator.com/item' : `https://${host}/`;
    const line = `${host}:${port} ${v.ip} - ${v.user} [${clfTime(time)}] "${method} ${path} HTTP/1.1" ${status} ${bytes} "${referer}" "${v.ua}"`;
    hits.push({ time, host, port, ip: v.ip, user: v.user, method, path, status, bytes, referer, ua: v.ua, line });
  }
  hits.sort((a, b) => a.time - b.time);
  return hits;
}

/** The dimension values a hit must be counted under (computed from its raw values by the functions that define them). */
export function expectedDims(h: Hit): Record<Dimension, string> {
  const ua = classifyUserAgent(h.ua);
  return {
    host: h.host,
    method: h.method,
    status_class: `${Math.floor(h.status / 100)}xx`,
    status: String(h.status),
    path_template: pathTemplateOf(h.path),
    referrer_domain: referrerDomain(h.referer, h.host, []),
    browser: ua.family,
    os: ua.os,
    device: ua.device,
    bot: ua.device === 'bot' ? 'bot' : 'human',
    protocol: 'HTTP/1.1',
    port_class: Number(h.port) < 1024 ? 'well-known' : 'registered',
    direction: '(none)',
  };
}

/** The identity a visitor id stands for. */
export function visitorKey(h: Hit): string {
  return `${h.host}\u0000${h.ip}\u0000${h.ua}`;
}
