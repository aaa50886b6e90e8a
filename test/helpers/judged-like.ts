/**
 * A seeded generator of combined log lines shaped like the judged benchmark
 * file (and bench/gen-log.mjs): IPv4 and IPv6 clients (some mapped, some
 * with ports), a few logged-in users, assets, pages, blog slugs with
 * percent-escapes, API calls with ids and tokens, searches, scanner probes
 * with backslashes, search and site referers, browser, bot and tool user
 * agents. The same seed always gives the same lines; nothing is read from
 * outside the repository, so it runs in CI where the judged file is absent.
 *
 * @example
 * const lines = judgedLikeLines(20_000, 7, T0 - 3 * DAY);
 */

/** xorshift32 from a seed: small, fast, deterministic. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `dd/Mon/yyyy:hh:mm:ss +0000` of `ms`, in UTC or (sometimes) another zone. */
function clf(ms: number, zoneMinutes: number): string {
  const d = new Date(ms + zoneMinutes * 60_000);
  const sign = zoneMinutes < 0 ? '-' : '+';
  const z = Math.abs(zoneMinutes);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${sign}${pad(Math.floor(z / 60))}${pad(z % 60)}`;
}

const WORDS = ['linux', 'nginx', 'privacy', 'gdpr', 'logging', 'docker', 'rust', 'node', 'python', 'tls', 'ipv6', 'dns', 'raspberry-pi', 'caf%C3%A9', 'z%C3%BCrich'];
const PAGES = ['/', '/about', '/contact', '/pricing', '/docs/', '/docs/getting-started', '/login', '/account/settings', '/index.html', '/favicon.ico', '/robots.txt', '/.well-known/security.txt'];
const SCANNER = ['/wp-login.php', '/.env', '/.git/config', '/phpmyadmin/index.php', '/cgi-bin/luci/;stok=/locale', '/HNAP1/', '/owa/auth/logon.aspx?url=https%3a%2f%2f1%2fecp%2f', '/../../../../etc/passwd', '/index.php?s=/Index/\\\\think\\\\app/invokefunction&function=call_user_func_array&vars[0]=md5'];
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/VER.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:VER.0) Gecko/20100101 Firefox/VER.0',
  'Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/VER.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)',
  'curl/8.5.0',
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  '-',
];
const REFERERS = ['-', '-', 'https://www.example.com/', 'https://www.example.com/pricing', 'https://www.google.com/search?q=gdpr+logging', 'https://www.example.com/reset?email=jo%40example.com', 'https://t.co/abc123XYZ'];
const USERS = ['alice', 'bob', 'grace', 'peggy', 'anna.svensson@example.se'];

/** `n` combined lines from `seed`, stamped one to a few seconds apart from `startMs`. */
export function judgedLikeLines(n: number, seed: number, startMs: number): string[] {
  const r = rng(seed);
  const int = (k: number): number => Math.floor(r() * k);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  const hex = (k: number): string => Array.from({ length: k }, () => '0123456789abcdef'[int(16)]).join('');
  const alnum = (k: number): string => Array.from({ length: k }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[int(36)]).join('');
  const v6pool = Array.from({ length: 40 }, () => `2001:db8:${hex(4)}:${hex(4)}::${hex(int(4) + 1)}`);
  const out: string[] = [];
  let t = startMs;
  for (let i = 0; i < n; i++) {
    t += int(4) * 1000;
    const a = r();
    const addr =
      a < 0.7 ? `${1 + int(223)}.${int(256)}.${int(256)}.${int(256)}` : a < 0.88 ? pick(v6pool) : a < 0.92 ? `${hex(4)}:${hex(4)}:${hex(4)}:${hex(4)}:${hex(4)}:${hex(4)}:${hex(4)}:${hex(4)}` : a < 0.95 ? `::ffff:${int(256)}.${int(256)}.1.${int(256)}` : a < 0.98 ? `10.${int(256)}.${int(256)}.${int(256)}:${1024 + int(60000)}` : '-';
    const user = r() < 0.1 ? pick(USERS) : '-';
    const k = r();
    const path =
      k < 0.3 ? `/images/${pick(['hero', 'logo', 'thumb', 'photo'])}-${int(5000)}.${pick(['png', 'jpg', 'webp', 'svg'])}`
      : k < 0.4 ? `/static/js/${pick(['app', 'vendor', 'chunk'])}.${hex(8)}.js${r() < 0.1 ? `?v=${int(100)}` : ''}`
      : k < 0.55 ? pick(PAGES)
      : k < 0.65 ? `/blog/20${20 + int(5)}/${pad(1 + int(12))}/${pick(WORDS)}-${pick(WORDS)}-${alnum(4)}/`
      : k < 0.72 ? `/api/v1/users/${int(100000)}`
      : k < 0.78 ? `/api/v1/items?page=${1 + int(50)}&limit=${pick([10, 20, 50])}&sort=${pick(['asc', 'desc'])}`
      : k < 0.82 ? `/api/v2/orders/${hex(12)}/status`
      : k < 0.85 ? `/api/v1/events?since=${1700000000 + int(10000000)}&token=${alnum(24)}`
      : k < 0.89 ? `/search?q=${pick(WORDS)}+${pick(WORDS)}&page=${1 + int(5)}`
      : k < 0.92 ? `/products/${int(5000)}?ref=${pick(['home', 'email'])}&color=${pick(['red', 'blue'])}`
      : k < 0.95 ? pick(SCANNER)
      : k < 0.97 ? `/u/${pick(USERS)}/profile?phone=%2B46701234567`
      : `/reset/${pick(['jo', 'anna'])}%40example.com?sid=${hex(32)}`;
    const method = pick(['GET', 'GET', 'GET', 'GET', 'POST', 'HEAD', 'PUT']);
    const proto = pick(['HTTP/1.1', 'HTTP/1.1', 'HTTP/2.0', 'HTTP/1.0']);
    const status = pick([200, 200, 200, 304, 404, 301, 500, 201]);
    const bytes = r() < 0.1 ? '-' : String(int(60000));
    const ua = pick(UAS).replaceAll('VER', String(110 + int(15)));
    const zone = r() < 0.9 ? 0 : pick([60, 120, -300, 330]);
    out.push(`${addr} - ${user} [${clf(t, zone)}] "${method} ${path} ${proto}" ${status} ${bytes} "${pick(REFERERS)}" "${ua}"`);
  }
  return out;
}
