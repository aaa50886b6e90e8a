// The request and referer fields of every line: the free-text redactor on
// typical values, scanning the line's bytes in place (as text formats do)
// and from a string (as JSON does), against a regex-based redactor doing a
// subset of the same work.
import { DEFAULT_REDACT_OPTIONS, Redactor } from '../../dist/transforms/redact/index.js';
import { DEFAULT_IP_TRUNCATION } from '../../dist/transforms/truncate-ip.js';
import { runSuite } from './suite.mjs';

const r = new Redactor({ ...DEFAULT_REDACT_OPTIONS, ip: DEFAULT_IP_TRUNCATION });
const requests = [
  'GET /assets/app.3f2a8b9c.js HTTP/1.1',
  'GET /img/hero-2752.webp HTTP/2.0',
  'GET /blog/privacy-guide-311/?utm_source=news&utm_medium=social HTTP/1.1',
  'GET /api/v1/users/134792 HTTP/1.1',
  'GET /api/v1/orders?page=3&limit=50&sort=desc HTTP/1.1',
  'GET /api/v1/session?token=lI06ClC7FamZATVV8ek2YEwEIJfjURoA HTTP/2.0',
  'GET /reset-password?email=karin%40example.se&t=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b HTTP/1.1',
  'GET /search?q=caf%C3%A9&page=2 HTTP/1.1',
];
const text = requests.join('\n');
const bytes = Buffer.from(text, 'latin1');
const offsets = [];
for (let p = 0, k = 0; k < requests.length; k++) {
  offsets.push(p);
  p += requests[k].length + 1;
}
const EMAIL = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const PARAM = /([?&;](?:token|session|password|email|key)=)[^&#\s]*/gi;
const IPV4 = /\b(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}\b/g;
const regexRedact = (s) => s.replace(PARAM, '$1[redacted]').replace(EMAIL, '[email]').replace(IPV4, '$1.0');
let i = 0;
runSuite('redact on typical request lines', [
  {
    name: 'redactRequestAscii on the line bytes (ships)',
    fn: () => {
      const k = i++ & 7;
      return r.redactRequestAscii(requests[k], bytes, offsets[k]);
    },
    check: () => requests.map((s, k) => r.redactRequestAscii(s, bytes, offsets[k])),
    ships: true,
  },
  { name: 'redact on the string (encodes first)', fn: () => r.redact(requests[i++ & 7]), check: () => requests.map((s) => r.redact(s)) },
  { name: 'three regexes (emails, 5 params, IPv4 only)', fn: () => regexRedact(requests[i++ & 7]), check: () => requests.map(regexRedact), sameAsShipped: false },
]);

// Hostile values: a client chooses its request line, so no shape may make
// redaction quadratic. Each shape is timed at 8 KiB and at 64 KiB: linear
// work grows 8×, quadratic 64×. (`x=` and many `%40` in one word were
// quadratic until the name check came before the value scan and the
// e-mail look-back stopped at the previous separator.)
const SHAPES = ['x=', 'x%3D', 'x=%26', 'a@', '%40', '%2540', 'a%2540b.cc%2C', "'%40x", '!~%40x', '1:', '1-', '+4', '1 ', 'ff:', 'A1', '%25'];
const timeOnce = (s) => {
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const t = process.hrtime.bigint();
    r.redact(s);
    best = Math.min(best, Number(process.hrtime.bigint() - t));
  }
  return best;
};
console.log('\nredact on hostile values, growth from 8 KiB to 64 KiB (8× is linear, 64× quadratic)');
console.log(`  ${'shape'.padEnd(16)} ${'ns/byte @8K'.padStart(12)} ${'ns/byte @64K'.padStart(13)} ${'growth'.padStart(7)}`);
for (const shape of SHAPES) {
  const of = (n) => shape.repeat(Math.ceil(n / shape.length)).slice(0, n);
  const small = timeOnce(of(8192));
  const large = timeOnce(of(65536));
  console.log(`  ${shape.padEnd(16)} ${(small / 8192).toFixed(1).padStart(12)} ${(large / 65536).toFixed(1).padStart(13)} ${(large / small).toFixed(1).padStart(6)}×`);
}
