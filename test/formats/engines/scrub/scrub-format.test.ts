/**
 * `--unparsed scrub` (issue 8): a line that is almost CLF but does not parse
 * (cut short, a stray field, a broken quote, a status that is no status) is
 * written with no identifier in the clear. The output is checked by parsing
 * it back — head tokens, time, quoted strings — and looking at each field:
 * the ident and user are `-`, the user agent is the generalised one (not the
 * full string), query values off the allow-list are placeholders, addresses
 * are truncated; the words of the user name appear in no field. Lines of no
 * CLF shape stay one free-text field (a label keeps its value in view of the
 * redactor).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserAgentGeneraliser } from '../../../../src/transforms/generalise-user-agent/generalise-user-agent.js';
import { type Anonymiser, anonymiseLine, makeAnonymiser, makeEnv, T0, type TestEnv } from '../../../helpers/env.js';
import { clfTime } from '../../../helpers/lines.js';

let env: TestEnv;
let a: Anonymiser;
beforeAll(() => {
  env = makeEnv();
  a = makeAnonymiser(env, 'input:\n  format: combined\n', { unparsed: 'scrub' });
});
afterAll(() => env.cleanup());

const generalise = createUserAgentGeneraliser({ cacheSize: 0 });

const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36',
  'MyBankApp/3.2.1 (se.example.bank; build:4711; iOS 17.0.3) Alamofire/5.8.0',
  'Dalvik/2.1.0 (Linux; U; Android 13; Pixel 7 Pro Build/TQ3A.230901.001)',
];

/** A CLF-ish line parsed back: the tokens before the time, the time, and every quoted string (to the end of the line when one is not closed). */
interface Parsed {
  readonly head: string[];
  readonly time: string;
  readonly quoted: string[];
  readonly rest: string;
}
function parse(line: string): Parsed | undefined {
  const m = /^(.*?) \[([^\]]+)\](.*)$/.exec(line);
  if (m === null) return undefined;
  const quoted: string[] = [];
  let rest = '';
  const tail = m[3]!;
  for (let i = 0; i < tail.length; i++) {
    if (tail[i] !== '"') {
      rest += tail[i];
      continue;
    }
    let j = i + 1;
    while (j < tail.length && tail[j] !== '"') j += tail[j] === '\\' ? 2 : 1;
    quoted.push(tail.slice(i + 1, Math.min(j, tail.length)));
    i = j;
  }
  return { head: m[1]!.split(' '), time: m[2]!, quoted, rest };
}

/** The query values of a request line's target, by name. */
function queryValues(request: string): Map<string, string> {
  const target = request.split(' ')[1] ?? '';
  const q = target.indexOf('?');
  const out = new Map<string, string>();
  if (q < 0) return out;
  for (const pair of target.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0) out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

const word = fc.stringMatching(/^[a-z]{4,9}$/).filter((w) => !['mozilla', 'gecko', 'safari', 'linux', 'mobile', 'version', 'chrome', 'like'].includes(w));
const BREAKAGES = ['cut', 'stray', 'status', 'quote', 'xff-stray'] as const;

describe('a scrubbed almost-combined line', () => {
  it('property: ident and user are -, the user agent generalised, query values off the allow-list replaced, the address truncated', () => {
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...USER_AGENTS),
        fc.constantFrom(...BREAKAGES),
        word,
        fc.integer({ min: 1, max: 254 }),
        fc.boolean(),
        (names, ua, breakage, secret, octet, vhost) => {
          const user = names.join(vhost ? '.' : ' ');
          const request = `GET /search?q=${secret}&page=2 HTTP/1.1`;
          const referer = `https://shop.example.se/cart?who=${secret}x&utm_source=mail`;
          let line = `${vhost ? 'www.example.se:443 ' : ''}81.6.12.${octet} - ${user} [${clfTime(T0 - 3_600_000)}] "${request}" 200 1234 "${referer}" "${ua}"`;
          if (breakage === 'cut') line = line.slice(0, -1);
          else if (breakage === 'stray') line += ' stray "x';
          else if (breakage === 'status') line = line.replace('" 200 1234 "', '" 2OO 1234 "');
          else if (breakage === 'quote') line = line.replace(`"${request}"`, `"${request}`);
          else line += ` "90.76.31.${octet}, 10.0.0.1" "open`;
          const out = anonymiseLine(a, line);
          expect(out, line).toBeDefined();
          const p = parse(out!);
          expect(p, out).toBeDefined();
          // Head: [host:port] address ident user.
          const head = p!.head;
          expect(head.slice(-2), out).toEqual(['-', '-']);
          expect(head[head.length - 3], out).toBe(`81.6.12.0`);
          // Every quoted field: the user agent generalised, the query values off the allow-list replaced.
          const uaOut = p!.quoted.find((q) => q.startsWith(generalise(ua).split('/')[0]!) && q !== request);
          if (breakage !== 'quote') {
            expect(p!.quoted, out).toContain(generalise(ua));
            expect(uaOut, out).toBe(generalise(ua));
            const req = p!.quoted.find((q) => q.startsWith('GET '))!;
            expect(queryValues(req).get('q'), out).not.toBe(secret);
            expect(queryValues(req).get('page'), out).toBe('2');
          }
          // No field holds the user name, the secret or the full address, in any piece.
          const fields = [...p!.head, p!.time, ...p!.quoted, ...p!.rest.split(' ')];
          for (const f of fields) {
            for (const n of [...names, secret]) expect(f.toLowerCase().split(/[^a-z]+/), `${n} in ${f}`).not.toContain(n);
            expect(f).not.toContain(`81.6.12.${octet}`);
            expect(f).not.toContain(ua);
          }
        },
      ),
      { seed: 0x5c2b, numRuns: 300 },
    );
  });

  it('the retention gate holds: a scrubbed line with an old time is dropped', () => {
    const line = `81.6.12.34 - anna [${clfTime(T0 - 200 * 86_400_000)}] "GET / HTTP/1.1" 2OO 1 "-" "curl/8.5.0"`;
    expect(anonymiseLine(a, line)).toBeUndefined();
  });

  it('a line of no CLF shape is one free-text field: a label still finds its value', () => {
    const line = `${new Date(T0 - 60_000).toISOString()} app "password":"hunter2x" "user":"anna" mail anna@example.se`;
    const out = anonymiseLine(a, line)!;
    expect(out).not.toContain('hunter2x');
    expect(out).not.toContain('anna@example.se');
  });
});
