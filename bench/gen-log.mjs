#!/usr/bin/env node
// Deterministic access-log generator for gallra's benchmarks, demo and tests.
//
//   node bench/gen-log.mjs [--lines N] [--seed S] [--format combined|json|vhost_combined]
//                          [--start YYYY-MM-DD | --recent] [--days D] [--out FILE]
//
// The same arguments always give byte-identical output (xorshift128+ PRNG, no
// Date.now except for --recent, no locale formatting). --recent starts the
// timestamps D+1 days before today (UTC) so the whole log lies inside
// gallra's retention window and in the past.
//
// The mix is meant to exercise the default policy the way real traffic does:
// ~80 % IPv4 / 20 % IPv6 clients (some IPv4-mapped), ~10 % of lines with a
// logged-in user, assets, pages and API calls with numeric ids, query
// strings with tracking and sensitive parameters (token, email), an
// occasional e-mail address or phone number in a path, search referers, a
// few hundred user agents (browsers, mobiles, bots, tools), and ~0.2 %
// garbage lines as nginx writes them (TLS handshakes on a plain port).
import fs from 'node:fs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const LINES = Number(opt('--lines', '100000'));
const SEED = Number(opt('--seed', '7'));
const FORMAT = opt('--format', 'combined');
const DAYS = Number(opt('--days', '5'));
const OUT = opt('--out', '-');
const DAY = 86_400_000;
let startMs;
if (argv.includes('--recent')) {
  const today = Math.floor(Date.now() / DAY) * DAY;
  startMs = today - (DAYS + 1) * DAY;
} else {
  startMs = Date.parse(`${opt('--start', '2026-06-01')}T00:00:00Z`);
}
if (!Number.isFinite(startMs) || !(LINES >= 0) || !['combined', 'json', 'vhost_combined'].includes(FORMAT)) {
  console.error('usage: gen-log.mjs [--lines N] [--seed S] [--format combined|json|vhost_combined] [--start YYYY-MM-DD | --recent] [--days D] [--out FILE]');
  process.exit(2);
}

// xorshift128+ on two 32-bit halves each (keeps to Smis, fast and portable).
let a = 0x9e3779b9 ^ SEED;
let b = 0x243f6a88 + SEED * 7;
let c = 0xb7e15162;
let d = 0x1234567 ^ (SEED << 8);
function next() {
  let t = a ^ (a << 11);
  a = b;
  b = c;
  c = d;
  d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
  return d;
}
for (let i = 0; i < 32; i++) next();
const uniform = () => next() / 4294967296;
const below = (n) => Math.floor(uniform() * n);
const oneOf = (xs) => xs[below(xs.length)];
const hex = (n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[below(16)];
  return s;
};
const alnum = (n) => {
  let s = '';
  const set = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < n; i++) s += set[below(set.length)];
  return s;
};

// ---- user agents ----
const agents = [];
for (let v = 110; v <= 126; v++) {
  for (const os of ['Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 10_15_7', 'X11; Linux x86_64']) {
    agents.push(`Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`);
  }
  agents.push(`Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`);
  agents.push(`Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`);
  agents.push(`Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.2365.${v % 90}`);
}
for (const ios of ['16_7', '17_4_1', '17_5', '18_0']) {
  agents.push(`Mozilla/5.0 (iPhone; CPU iPhone OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${ios.split('_')[0]}.0 Mobile/15E148 Safari/604.1`);
  agents.push(`Mozilla/5.0 (iPad; CPU OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${ios.split('_')[0]}.0 Mobile/15E148 Safari/604.1`);
}
const bots = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  'curl/8.5.0',
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  'kube-probe/1.29',
  '-',
];

// ---- clients: a skewed pool, as in real logs a few addresses recur a lot ----
const names = ['alice', 'bob', 'carol', 'dave', 'erik', 'frida', 'goran', 'hanna', 'ingrid', 'johan', 'karin', 'lars'];
const clients = [];
for (let i = 0; i < 25_000; i++) {
  const r = uniform();
  let ip;
  if (r < 0.78) ip = `${oneOf([81, 85, 90, 178, 188, 193, 212, 213, 31, 46, 62, 77, 95, 109, 151, 185])}.${below(256)}.${below(256)}.${1 + below(254)}`;
  else if (r < 0.8) ip = `::ffff:${oneOf([81, 85, 90])}.${below(256)}.${below(256)}.${1 + below(254)}`;
  else ip = `${oneOf(['2a02:8108', '2001:9b1', '2a00:801', '2001:6b0', '2a01:4f8', '2600:1700'])}:${hex(4).replace(/^0+(?=.)/, '')}:${hex(4).replace(/^0+(?=.)/, '')}:${hex(4).replace(/^0+(?=.)/, '')}:${hex(4).replace(/^0+(?=.)/, '')}:${hex(3)}:${hex(4).replace(/^0+(?=.)/, '')}`;
  const bot = uniform() < 0.08;
  clients.push({
    ip,
    ua: bot ? oneOf(bots) : oneOf(agents),
    user: !bot && uniform() < 0.12 ? `${oneOf(names)}${below(3) === 0 ? below(100) : ''}` : '-',
  });
}
const client = () => clients[Math.floor(clients.length * uniform() * uniform())];

// ---- requests ----
const assets = [];
for (let i = 0; i < 60; i++) assets.push(`/assets/${oneOf(['app', 'vendor', 'runtime'])}.${hex(8)}.${oneOf(['js', 'css'])}`);
for (let i = 0; i < 120; i++) assets.push(`/img/${oneOf(['hero', 'logo', 'thumb', 'avatar'])}-${below(9000)}.${oneOf(['png', 'webp', 'jpg'])}`);
const slugs = [];
for (let i = 0; i < 400; i++) slugs.push(`${oneOf(['privacy', 'logging', 'nginx', 'gdpr', 'retention', 'kafka', 'salt', 'hashing'])}-${oneOf(['guide', 'notes', 'howto', 'faq'])}-${below(500)}`);
function request() {
  const r = uniform();
  if (r < 0.42) return ['GET', oneOf(assets) + (uniform() < 0.1 ? `?v=${below(50)}` : '')];
  if (r < 0.6) return [uniform() < 0.07 ? 'POST' : 'GET', oneOf(['/', '/', '/about', '/pricing', '/docs/', '/login', '/account', '/contact'])];
  if (r < 0.7) return ['GET', `/blog/${slugs[below(slugs.length)]}/` + (uniform() < 0.2 ? `?utm_source=${oneOf(['news', 'x', 'hn'])}&utm_medium=social` : '')];
  if (r < 0.8) return ['GET', `/api/v1/users/${below(200000)}`];
  if (r < 0.86) return [oneOf(['GET', 'POST']), `/api/v1/orders?page=${1 + below(30)}&limit=${oneOf([20, 50])}&sort=desc`];
  if (r < 0.9) return ['GET', `/api/v1/session?token=${alnum(32)}`];
  if (r < 0.93) return ['GET', `/search?q=${oneOf(['retention', 'ip+address', 'caf%C3%A9', 'nginx+logs'])}&page=${1 + below(3)}`];
  if (r < 0.95) return ['GET', `/reset-password?email=${oneOf(names)}%40example.se&t=${hex(40)}`];
  if (r < 0.96) return ['GET', `/contact/${oneOf(names)}.${oneOf(names)}@example.org`];
  if (r < 0.97) return ['POST', `/callback?phone=%2B4670${1000000 + below(8999999)}`];
  if (r < 0.985) return ['GET', oneOf(['/robots.txt', '/favicon.ico', '/sitemap.xml'])];
  return [oneOf(['GET', 'POST']), oneOf(['/wp-login.php', '/.env', '/.git/config', '/phpmyadmin/'])];
}
const status = (method, path) => {
  if (path.startsWith('/wp') || path.startsWith('/.') || path.startsWith('/php')) return 404;
  const r = uniform();
  if (r < 0.86) return method === 'POST' ? 201 : 200;
  if (r < 0.93) return 304;
  if (r < 0.97) return 404;
  return oneOf([301, 302, 400, 401, 403, 500, 502]);
};
const referer = (path) => {
  const r = uniform();
  if (r < 0.35) return '-';
  if (r < 0.75) return `https://www.example.se${path.startsWith('/assets') || path.startsWith('/img') ? oneOf(['/', '/docs/', '/pricing']) : '/'}`;
  if (r < 0.92) return oneOf(['https://www.google.com/', 'https://duckduckgo.com/', 'https://www.bing.com/', 'https://search.brave.com/']);
  return oneOf(['https://news.ycombinator.com/', 'https://t.co/' + alnum(10), 'android-app://com.slack/']);
};

// ---- time ----
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n) => (n < 10 ? `0${n}` : `${n}`);
let t = startMs;
const step = (DAYS * DAY) / Math.max(1, LINES);
let lastSec = -1;
let clf = '';
let iso = '';
function stamp() {
  const sec = Math.floor(t / 1000);
  if (sec !== lastSec) {
    const x = new Date(sec * 1000);
    clf = `${two(x.getUTCDate())}/${MON[x.getUTCMonth()]}/${x.getUTCFullYear()}:${two(x.getUTCHours())}:${two(x.getUTCMinutes())}:${two(x.getUTCSeconds())} +0000`;
    iso = x.toISOString().replace('.000Z', '+00:00');
    lastSec = sec;
  }
}

const fd = OUT === '-' ? 1 : fs.openSync(OUT, 'w');
let buf = '';
for (let n = 0; n < LINES; n++) {
  t += Math.floor(-Math.log(1 - uniform()) * step);
  stamp();
  const who = client();
  let line;
  if (uniform() < 0.002) {
    line = `${who.ip} - - [${clf}] "\\x16\\x03\\x01\\x00\\xF1\\x01" 400 157 "-" "-"`;
  } else {
    const [method, path] = request();
    const st = status(method, path);
    const bytes = st === 304 ? 0 : 200 + below(60000);
    const user = path.startsWith('/assets') ? '-' : who.user;
    const ref = referer(path);
    if (FORMAT === 'json') {
      line = JSON.stringify({ time: iso, remote_addr: who.ip, remote_user: user, request: `${method} ${path} HTTP/1.1`, status: String(st), body_bytes_sent: String(bytes), http_referer: ref, http_user_agent: who.ua, request_time: (below(900) / 1000).toFixed(3) });
    } else {
      const head = FORMAT === 'vhost_combined' ? `www.example.se:443 ` : '';
      line = `${head}${who.ip} - ${user} [${clf}] "${method} ${path} ${oneOf(['HTTP/1.1', 'HTTP/1.1', 'HTTP/2.0'])}" ${st} ${bytes} "${ref}" "${who.ua}"`;
    }
  }
  buf += line + '\n';
  if (buf.length > 1 << 20) {
    fs.writeSync(fd, buf);
    buf = '';
  }
}
if (buf.length > 0) fs.writeSync(fd, buf);
if (fd !== 1) fs.closeSync(fd);
