/**
 * The demo's raw input: nginx combined lines of the last two hours, with the
 * personal data real access logs carry (client addresses, user names, e-mail
 * addresses and phone numbers in query strings, session tokens, full browser
 * user agents). Deterministic: the same count and clock give the same lines.
 */
import { seededRandom } from '../util/seeded-random.js';

const PAGES = ['/', '/products', '/products/shoes', '/cart', '/checkout', '/about', '/blog/how-we-anonymise', '/search'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.86 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
const NAMES = ['anna', 'bjorn', 'carla', 'dawit', 'emil', 'fatima', 'goran', 'hanna'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];


const two = (n: number): string => String(n).padStart(2, '0');

/** nginx's $time_local in UTC. */
export function timeLocal(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/**
 * `n` combined lines spread over the two hours before `nowMs`, in time order.
 *
 * @example
 * demoLines(3, Date.now()); // ['198.51.100.23 - anna [02/Dec/2026:10:00:01 +0000] "GET /cart?email=… HTTP/1.1" 200 …', …]
 */
export function demoLines(n: number, nowMs: number): string[] {
  const rnd = seededRandom(20261202);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const span = 2 * 3600_000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    // 120 visitors: enough for most pages to clear the aggregates' k in every hour.
    const visitor = Math.floor(rnd() * 120);
    const ip = visitor % 5 === 0 ? `2001:db8:${visitor.toString(16)}::${(visitor * 7).toString(16)}` : `198.51.${100 + (visitor % 3)}.${10 + visitor}`;
    const user = visitor % 4 === 0 ? `${NAMES[visitor % NAMES.length]}${visitor}` : '-';
    let target = pick(PAGES);
    const extra = rnd();
    if (target === '/search') target += `?q=shoes&page=${1 + (i % 3)}`;
    else if (extra < 0.08) target += `?email=${NAMES[visitor % NAMES.length]}.${visitor}%40example.se&utm_source=newsletter`;
    else if (extra < 0.12) target += `?phone=%2B4670${String(1000000 + visitor * 7919).slice(0, 7)}`;
    else if (extra < 0.16) target = `/users/${NAMES[visitor % NAMES.length]}${visitor}/orders`;
    const status = target === '/checkout' && extra > 0.9 ? 500 : extra > 0.97 ? 404 : 200;
    const bytes = 200 + Math.floor(rnd() * 20000);
    const referer = rnd() < 0.5 ? `https://www.example.se${pick(PAGES)}` : '-';
    const t = nowMs - span + Math.floor((i / n) * span);
    lines.push(`${ip} - ${user} [${timeLocal(t)}] "GET ${target} HTTP/1.1" ${status} ${bytes} "${referer}" "${pick(AGENTS)}"`);
  }
  return lines;
}
