// Phone numbers in free text: libphonenumber-js's findNumbers (a maintained
// text finder over the full metadata) against the hand-written scanner that
// ships (redact/numbers.ts), on the same texts. First what each finds — every
// country's example mobile number in its international and national form, and
// Swedish layouts with Unicode separators — then what each costs on a typical
// log message and on a request line with no phone number in it.
import examples from 'libphonenumber-js/mobile/examples';
import { findNumbers, getCountries, getExampleNumber } from 'libphonenumber-js/max';
import { DEFAULT_REDACT_OPTIONS, Redactor, compileRedaction } from '../../dist/transforms/redact/index.js';
import { DEFAULT_IP_TRUNCATION } from '../../dist/transforms/truncate-ip.js';
import { runSuite } from './suite.mjs';

const r = new Redactor({ ...DEFAULT_REDACT_OPTIONS, ip: DEFAULT_IP_TRUNCATION });
const text = compileRedaction(r, 'text');
const digits = (s) => s.replace(/\D/g, '');
const shipped = (s, n) => !digits(text.fn(s)).includes(n);
const library = (s, n) => findNumbers(s, { defaultCountry: 'SE', v2: true }).some((m) => m.number.nationalNumber === n);

const cases = [];
for (const c of getCountries()) {
  const n = getExampleNumber(c, examples);
  if (n === undefined) continue;
  cases.push({ group: 'international, every country', text: `see ${n.formatInternational()} now`, national: n.nationalNumber });
  cases.push({ group: 'national, every country (no label)', text: `see ${n.formatNational()} now`, national: n.nationalNumber });
  cases.push({ group: 'national, every country, behind "tel:"', text: `tel: ${n.formatNational()} now`, national: n.nationalNumber });
}
for (const v of ['070-123 45 67', '070\u00a0123\u00a045\u00a067', '070\u2009123\u200945\u200967', '+46 (0)70 123 45 67', '46701234567', '070.123.45.67', '070/1234567', '(070) 123 45 67', '0046 70 123 45 67']) {
  cases.push({ group: 'Swedish layouts', text: `ring ${v} nu`, national: '701234567' });
}
const groups = new Map();
for (const k of cases) {
  const g = groups.get(k.group) ?? { n: 0, shipped: 0, library: 0 };
  g.n++;
  if (shipped(k.text, k.national)) g.shipped++;
  if (library(k.text, k.national)) g.library++;
  groups.set(k.group, g);
}
console.log('\nphone numbers found (the national significant number gone / reported)');
console.log(`  ${'texts'.padEnd(44)} ${'n'.padStart(4)} ${'shipped'.padStart(8)} ${'findNumbers'.padStart(12)}`);
for (const [name, g] of groups) console.log(`  ${name.padEnd(44)} ${String(g.n).padStart(4)} ${String(g.shipped).padStart(8)} ${String(g.library).padStart(12)}`);

const message = 'order 4711 confirmed, sms sent to 070-123 45 67 at 10:11:12; ref ab12cd';
const line = 'GET /static/css/main.b453499c.css?v=66 HTTP/1.1';
let i = 0;
const texts = [message, line];
runSuite('phone detection cost on a message and a request line', [
  { name: 'shipped: redact (all detectors)', fn: () => text.fn(texts[i++ & 1]), check: () => texts.map((s) => text.fn(s)), ships: true },
  { name: 'libphonenumber-js findNumbers (phones only)', fn: () => findNumbers(texts[i++ & 1], { defaultCountry: 'SE', v2: true }), sameAsShipped: false },
]);
