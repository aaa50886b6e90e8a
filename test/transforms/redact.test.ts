import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactConfigSchema, redactOptionsFromConfig } from '../../src/transforms/redact/config.js';
import { DEFAULT_REDACT_OPTIONS, DEFAULT_SENSITIVE_CONTAINS, DEFAULT_SENSITIVE_EXACT, type RedactOptions, Redactor } from '../../src/transforms/redact/index.js';
import { luhnValid } from '../../src/transforms/redact/luhn.js';
import { SensitiveNames } from '../../src/transforms/redact/param-names.js';
import { DEFAULT_IP_TRUNCATION, type IpTruncation, truncateIp } from '../../src/transforms/truncate-ip.js';

const D = DEFAULT_IP_TRUNCATION;
const OPTIONS: RedactOptions = { ...DEFAULT_REDACT_OPTIONS, ip: D };
const r = new Redactor(OPTIONS);
const FC = { seed: 0x7e5d, numRuns: 400 } as const;

function redact(text: string): string {
  return r.redact(text);
}

/** `text` as ASCII bytes somewhere inside a bigger buffer, and where. */
function embedded(text: string, before = 'xx\u00e9 "', after = '" 81.6.12.34 end'): { bytes: Buffer; offset: number } {
  const head = Buffer.from(before);
  return { bytes: Buffer.concat([head, Buffer.from(text, 'latin1'), Buffer.from(after)]), offset: head.length };
}

describe('positive cases, one table per detector', () => {
  it.each([
    ['IPv4 in a query string', 'GET /x?ip=81.6.12.34&y=1', 'GET /x?ip=81.6.12.0&y=1'],
    ['IPv4 with a port (ports go: ip.keep_port is false)', 'upstream 81.6.12.34:8080 failed', 'upstream 81.6.12.0 failed'],
    ['IPv4 at the end of a sentence', 'from 81.6.12.34.', 'from 81.6.12.0.'],
    ['IPv4 with leading zeros', 'x 081.006.012.034 y', 'x 81.6.12.0 y'],
    ['IPv6 in a path', '/from/2001:db8:abcd:1234::1/x', '/from/2001:db8:abcd::/x'],
    ['IPv6 in brackets with a port', 'addr=[2001:db8:abcd:1234::1]:443', 'addr=[2001:db8:abcd::]'],
    ['IPv6, full and upper case', 'ip=2001:0DB8:ABCD:1234:0000:0000:0000:0001 ok', 'ip=2001:db8:abcd:: ok'],
    ['IPv6 with URL-encoded colons', '/q?ip=2001%3Adb8%3Aabcd%3A1234%3A%3A1&x=1', '/q?ip=2001:db8:abcd::&x=1'],
    ['IPv6 with lower-case URL-encoded colons', '/q?ip=2001%3adb8%3aabcd%3a1234%3a%3a1', '/q?ip=2001:db8:abcd::'],
    ['IPv6 double-encoded in a redirect target', '/go?to=http%253A%252F%252F%255B2001%253Adb8%253A1%253A2%253A%253A6%255D%252F', '/go?to=http%253A%252F%252F%255B2001:db8:1::%255D%252F'],
    ['IPv4 triple-encoded next to a space', '/go?q=81.6.12.34%252520x', '/go?q=81.6.12.0%252520x'],
    ['IPv4 after a literal percent sign that reads like an escape', 'x %2581.6.12.34 y', 'x %2581.6.12.0 y'],
    ['IPv4-mapped IPv6, dotted', 'at ::ffff:81.6.12.34 ok', 'at ::ffff:81.6.12.0 ok'],
    ['IPv4-mapped IPv6, hex', 'at ::ffff:5106:0c22 ok', 'at ::ffff:81.6.12.0 ok'],
    ['IPv4-compatible IPv6 that truncates to nothing', 'x ::2 y', 'x :: y'],
    ['IPv6 glued to a hex-looking word', 'id=cafe2001:db8:1:2::1', 'id=cafe[2001:db8:1::]'],
    ['IPv6 after a hex-looking word and a colon', 'src:2001:db8:85a3:0:0:8a2e:370:7334 x', 'src:[2001:db8:85a3::] x'],
    ['a full IPv6 address with a port and no brackets', 'addr 2001:db8:85a3:0:0:8a2e:370:7334:8080', 'addr [2001:db8:85a3::]'],
  ])('truncates an address: %s', (_case, input, want) => {
    expect(redact(input)).toBe(want);
  });

  it.each([
    ['plain', 'mail jo@example.com now', 'mail [email] now'],
    ['with a tag and sub-domains, before a full stop', 'to: Jo.Doe+tag@mail.example.co.uk.', 'to: [email].'],
    ['URL-encoded @', '/reset?e=jo%40example.com', '/reset?e=[email]'],
    ['double-encoded @', '/reset?e=jo%2540example.com', '/reset?e=[email]'],
    ['in a JSON string', '{"msg":"sent to jo@example.com"}', '{"msg":"sent to [email]"}'],
    ['in a JSON document that also holds an empty URL (the name says what it is)', '{"url":"https://","contact_email":"jo@example.com"}', '{"url":"https://","contact_email":"[redacted]"}'],
    ['in a JSON document, under a name that says nothing', '{"url":"https://","to":"jo@example.com"}', '{"url":"https://","to":"[email]"}'],
    ['with a local part ending in a rare character', "x o'brien!@example.com y", 'x [email] y'],
    ['as a sensitive parameter (the parameter rule wins)', '/reset?email=jo%40example.com&from=81.6.12.34', '/reset?email=[redacted]&from=81.6.12.0'],
  ])('replaces an e-mail address: %s', (_case, input, want) => {
    expect(redact(input)).toBe(want);
  });

  it.each([
    ['YYMMDD-NNNN', 'pnr 811218-9876 x', 'pnr [pnr] x'],
    ['YYYYMMDD-NNNN', 'pnr 19811218-9876 x', 'pnr [pnr] x'],
    ['YYMMDDNNNN', 'pnr 8112189876', 'pnr [pnr]'],
    ['YYYYMMDDNNNN', 'pnr 198112189876', 'pnr [pnr]'],
    ['over 100, with +', 'old 811218+9876', 'old [pnr]'],
    ['coordination number (day + 60)', 'samordning 811278-9873', 'samordning [pnr]'],
    ['coordination number with century', 'id=x&n=198112789873', 'id=x&n=[pnr]'],
    ['Skatteverket test number', 'pnr=121212-1212', 'pnr=[redacted]'],
    ['Skatteverket test number in text', 'is 121212-1212.', 'is [pnr].'],
  ])('replaces a personnummer: %s', (_case, input, want) => {
    expect(redact(input)).toBe(want);
  });

  it.each([
    ['bad check digit', 'x 811218-9875 y'],
    ['bad check digit, with century', 'x 19811218-9875 y'],
    ['bad month', 'x 811318-9871 y'],
    ['bad day', 'x 811232-9876 y'],
    ['century out of range', 'x 21811218-9876 y'],
    ['separator in the wrong place', 'x 81121-89876 y'],
  ])('leaves a number that is not a valid personnummer: %s', (_case, input) => {
    expect(redact(input)).toBe(input);
  });

  it.each([
    ['E.164 with spaces', 'tel +46 70 123 45 67', 'tel [phone]'],
    ['E.164 in one run', 'tel +46701234567', 'tel [phone]'],
    ['E.164 in a query string', '/cb?to=%2B46701234567', '/cb?to=[phone]'],
    ['international with 00', 'tel 0046701234567', 'tel [phone]'],
    ['Swedish mobile', 'tel 070-123 45 67', 'tel [phone]'],
    ['Swedish mobile in one run', 'tel 0701234567', 'tel [phone]'],
    ['Stockholm landline', 'tel 08-123 456 78', 'tel [phone]'],
    ['Stockholm landline, short', 'ring 08-123 45 67 nu', 'ring [phone] nu'],
    ['after twelve other numbers in the same run', 'n 1 2 3 4 5 6 7 8 9 10 11 12 070-123 45 67', 'n 1 2 3 4 5 6 7 8 9 10 11 12 [phone]'],
  ])('replaces a phone number: %s', (_case, input, want) => {
    expect(redact(input)).toBe(want);
  });

  it.each([
    ['Visa in groups', 'card 4111 1111 1111 1111', 'card [card]'],
    ['Mastercard in one run', 'card 5555555555554444', 'card [card]'],
    ['with hyphens', 'card 4111-1111-1111-1111', 'card [card]'],
    ['Amex 4-6-5', 'card 3782 822463 10005.', 'card [card].'],
    ['in a query string', '/pay?pan=4111111111111111&ok=1', '/pay?pan=[card]&ok=1'],
  ])('replaces a card number: %s', (_case, input, want) => {
    expect(redact(input)).toBe(want);
  });

  it.each([
    ['Luhn-invalid', 'card 4111111111111112'],
    ['Luhn-invalid in groups', 'card 4111 1111 1111 1112'],
    ['not a card network (MII 1)', 'n 1111111111111117'],
    ['two groups', 'n 4111111 111111111'],
  ])('leaves a number that is not a card number: %s', (_case, input) => {
    expect(redact(input)).toBe(input);
  });

  it.each([
    ['token', '/x?token=abc&page=2', '/x?token=[redacted]&page=2'],
    ['session', '/x?session=abc', '/x?session=[redacted]'],
    ['password', '/x?password=hunter2', '/x?password=[redacted]'],
    ['access_token', '/x?access_token=abc', '/x?access_token=[redacted]'],
    ['Access-Token (case and separators)', '/x?Access-Token=abc', '/x?Access-Token=[redacted]'],
    ['X-Amz-Signature', '/x?X-Amz-Signature=abcdef&X-Amz-Date=2024', '/x?X-Amz-Signature=[redacted]&X-Amz-Date=2024'],
    ['jsessionid matrix parameter', '/cart;jsessionid=ABC123', '/cart;jsessionid=[redacted]'],
    ['fragment parameters', '/cb#access_token=abc&expires=3600', '/cb#access_token=[redacted]&expires=3600'],
    ['array parameter', '/x?user[email]=a', '/x?user[email]=[redacted]'],
    ['exact name', '/x?key=v1&keyboard=de', '/x?key=[redacted]&keyboard=de'],
    ['key=value in a message', 'login failed user=alice reason=bad', 'login failed user=[redacted] reason=bad'],
    ['URL-encoded nested query', '/r?next=%2Fa%3Ftoken%3Dabc%26x%3D1', '/r?next=%2Fa%3Ftoken%3D[redacted]%26x%3D1'],
    ['double-encoded nested query', '/r?next=%252Fa%253Ftoken%253Dabc%2526x%253D1', '/r?next=%252Fa%253Ftoken%253D[redacted]%2526x%253D1'],
    ['double-encoded separator inside a literal value', '/x?password=a%2526b&y=1', '/x?password=[redacted]&y=1'],
    ['double-encoded space inside a nested value (a name reads [name])', '/login?next=%2Fprofile%3Fname%3DAnna%2520Svensson&x=1', '/login?next=%2Fprofile%3Fname%3D[name]&x=1'],
    ['double-encoded separator inside a nested value', '/r?next=%2Fa%3Ftoken%3Dabc%2526def%26x%3D1', '/r?next=%2Fa%3Ftoken%3D[redacted]%26x%3D1'],
  ])('redacts the value of a sensitive parameter: %s', (_case, input, want) => {
    expect(redact(input)).toBe(want);
  });

  it.each([
    ['hex token (32 digits, the length of session ids; 40 and 64 are git and content hashes)', 'got 3f2a8b9c4d5e6f708192a3b4c5d6e7f8', 'got [secret]'],
    ['base64url API key', 'k=AbCdEfGhIjKlMnOpQrStUvWx12345', 'k=[secret]'],
    ['base64url with - and _', 'x sk_live_4eC39HqLyjWDarjtT1zdp7dc y', 'x [secret] y'],
    ['JWT', 'auth eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end', 'auth [secret] end'],
  ])('replaces a secret: %s', (_case, input, want) => {
    expect(redact(input)).toBe(want);
  });

  it.each([
    ['UUID', 'id 123e4567-e89b-12d3-a456-426614174000 x', 'id [uuid] x'],
    ['upper-case UUID in a path', '/orders/123E4567-E89B-12D3-A456-426614174000/items', '/orders/[uuid]/items'],
    ['MAC with colons', 'mac 00:1A:2b:3c:4D:5e x', 'mac [mac] x'],
    ['MAC with hyphens', 'mac 00-1a-2b-3c-4d-5e', 'mac [mac]'],
  ])('replaces a device or object id: %s', (_case, input, want) => {
    expect(redact(input)).toBe(want);
  });

  it.each([
    ['user and password', 'https://user:pass@host.example.com/x', 'https://[userinfo]@host.example.com/x'],
    ['user only', 'ftp://bob@host/x', 'ftp://[userinfo]@host/x'],
    ['an e-mail address as the user', 'https://jo@example.com:secret@host.example.com/', 'https://[userinfo]@host.example.com/'],
    ['a second URL right after an authority', 'https://a:b://c@d.com/', 'https://a:b://[userinfo]@d.com/'],
    ['in a referer with a query', 'ref="https://u:p@example.org/?q=1"', 'ref="https://[userinfo]@example.org/?q=1"'],
  ])('replaces URL user info and keeps the host: %s', (_case, input, want) => {
    expect(redact(input)).toBe(want);
  });
});

describe('negative cases: false positives we promise not to make', () => {
  it.each([
    '/static/js/app.3f2a8b9c.js',
    '/static/css/main.5f3c2a1b9e8d7c6b.css',
    '2026-11-22',
    '2026-11-22T10:11:12Z',
    '2026-11-22T10:11:12.123+01:00',
    '10:11:12',
    'time=10:11:12.123',
    'ts=1700000000',
    'ts 1700000000123',
    '[22/Nov/2026:10:11:12 +0000]',
    'v 1.2.3',
    'version 10.0.19045.3693',
    'price 1299.00 SEK',
    'total: 1 234 567 kr',
    '/api/v1/users/12345',
    '/api/v1/orders/12345678',
    '/blog/linux-nginx-typescript-2024/',
    '/blog/how-to-configure-nginx-reverse-proxy-for-node/',
    'GET / HTTP/1.1',
    'HTTP/2.0 200',
    '/x?page=2&sort=asc&utm_source=newsletter',
    'build 20261122',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    '/img/photo_2048x1536.jpg',
    'rows 1000000',
    'std::string and ::',
    '/@alice',
    'https://medium.com/@alice.smith',
    '-',
    '',
    'ab',
  ])('leaves %j unchanged', (input) => {
    expect(redact(input)).toBe(input);
  });

  it('returns the input when there is nothing to replace, also for non-ASCII and percent-encoded text', () => {
    for (const s of ['/search?q=caf%C3%A9&page=2', 'café crème 12:00', '/a%2Fb%2Fc', '😀 ok']) expect(redact(s)).toBe(s);
  });
});

describe('configuration', () => {
  it('defaults to every detector on, with the default sensitive names and a 24-character secret threshold', () => {
    const c = redactConfigSchema.parse({});
    const o = redactOptionsFromConfig(c, D);
    expect(o).toEqual({ ...DEFAULT_REDACT_OPTIONS, ip: D, sensitiveParams: { contains: [...DEFAULT_SENSITIVE_CONTAINS], exact: [...DEFAULT_SENSITIVE_EXACT] } });
  });

  it('leaves addresses alone with ip: false and truncates with the policy rule otherwise', () => {
    const strict: IpTruncation = { ipv4Prefix: 16, ipv6Prefix: 32, keepPort: false };
    expect(new Redactor(redactOptionsFromConfig(redactConfigSchema.parse({ ip: false }), strict)).redact('a 81.6.12.34 b')).toBe('a 81.6.12.34 b');
    expect(new Redactor(redactOptionsFromConfig(redactConfigSchema.parse({}), strict)).redact('a 81.6.12.34 2001:db8:1:2::1 b')).toBe('a 81.6.0.0 2001:db8:: b');
  });

  it.each([
    ['email', 'mail jo@example.com'],
    ['personnummer', 'pnr 811218-9876'],
    ['phone', 'tel 070-123 45 67'],
    ['card', 'card 4111 1111 1111 1111'],
    ['uuid', 'id 123e4567-e89b-12d3-a456-426614174000'],
    ['mac', 'mac 00-1a-2b-3c-4d-5e'],
    ['secret', 'got 3f2a8b9c4d5e6f708192a3b4c5d6e7f8'],
    // A host without a dot: with user info off, the e-mail detector does not take it instead.
    ['userinfo', 'https://user:pass@intranet/'],
  ])('turns the %s detector off', (name, input) => {
    expect(redact(input)).not.toBe(input);
    const off = new Redactor(redactOptionsFromConfig(redactConfigSchema.parse({ [name]: false }), D));
    expect(off.redact(input)).toBe(input);
  });

  it('adds the configured sensitive names to the built-in rules, and uses the configured secret length', () => {
    const c = redactConfigSchema.parse({ sensitive_params: { contains: ['kund'], exact: ['q'] }, secret_min_length: 40 });
    const custom = new Redactor(redactOptionsFromConfig(c, D));
    expect(custom.redact('/x?kundnummer=1&q=a&token=b&qq=c')).toBe('/x?kundnummer=[redacted]&q=[redacted]&token=[redacted]&qq=c');
    expect(custom.redact('got aB3dE6gH9jK2mN5pQ8rS1tU4vW7xY0zA3cD6fG9h')).toBe('got [secret]'); // 40 characters
    expect(custom.redact('got aB3dE6gH9jK2mN5pQ8rS1tU4vW7xY0zA3cD6fG9')).toBe('got aB3dE6gH9jK2mN5pQ8rS1tU4vW7xY0zA3cD6fG9');
  });

  it('rejects unknown keys, a secret threshold below 12 and empty names', () => {
    expect(redactConfigSchema.safeParse({ emails: true }).success).toBe(false);
    expect(redactConfigSchema.safeParse({ sensitive_params: { contains: [], other: [] } }).success).toBe(false);
    const short = redactConfigSchema.safeParse({ secret_min_length: 11 });
    expect(short.success).toBe(false);
    expect(short.error?.issues[0]?.message).toContain('at least 12');
    expect(redactConfigSchema.safeParse({ sensitive_params: { exact: [''] } }).success).toBe(false);
  });
});

describe('bytes at an offset, request lines, non-ASCII text', () => {
  const samples = [
    'GET /reset?email=jo%40example.com&from=81.6.12.34 HTTP/1.1',
    '/x?token=abc&page=2',
    'tel 070-123 45 67 and card 4111 1111 1111 1111',
    'https://user:pass@host.example.com/2001:db8::1',
    'nothing to see here',
    '/static/js/app.3f2a8b9c.js',
  ];

  it.each(samples)('redactAscii on bytes inside a bigger buffer equals redact: %j', (text) => {
    const { bytes, offset } = embedded(text);
    expect(r.redactAscii(text, bytes, offset)).toBe(redact(text));
  });

  it('redactAscii equals redact for random ASCII text at random offsets', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((s) => s.replace(/[\x80-\xff]/g, '')), fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), (text, before, after) => {
        const { bytes, offset } = embedded(text, before, after);
        expect(r.redactAscii(text, bytes, offset)).toBe(redact(text));
      }),
      FC,
    );
  });

  it('redactRequestAscii changes only the target of METHOD target HTTP/x.y', () => {
    const line = 'GET /reset?email=jo%40example.com&ip=81.6.12.34 HTTP/1.1';
    const { bytes, offset } = embedded(line);
    expect(r.redactRequestAscii(line, bytes, offset)).toBe('GET /reset?email=[redacted]&ip=[redacted] HTTP/1.1');
    const plain = 'POST /api/v1/orders/1234 HTTP/2.0';
    const p = embedded(plain);
    expect(r.redactRequestAscii(plain, p.bytes, p.offset)).toBe(plain);
    const user = 'POST /api/v1/users/12345 HTTP/2.0';
    const u = embedded(user);
    expect(r.redactRequestAscii(user, u.bytes, u.offset)).toBe('POST /api/v1/users/{user} HTTP/2.0');
  });

  it.each([
    ['a lower-case method', 'get /x?e=jo@example.com HTTP/1.1', 'get /x?e=[email] HTTP/1.1'],
    ['an identifier in the method position', 'jo@example.com /x HTTP/1.1', '[email] /x HTTP/1.1'],
    ['an address in the method position', '81.6.12.34 /x HTTP/1.1', '81.6.12.0 /x HTTP/1.1'],
    ['an identifier in the protocol position', 'GET /x jo@example.com', 'GET /x [email]'],
    ['an address where the version should be', 'GET /x HTTP/81.6.12.34', 'GET /x HTTP/81.6.12.0'],
    ['no target', 'GET  HTTP/1.1 81.6.12.34', 'GET  HTTP/1.1 81.6.12.0'],
    ['garbage', '\\x16\\x03\\x01 81.6.12.34 jo@example.com', '\\x16\\x03\\x01 81.6.12.0 [email]'],
    ['a single word', 'jo@example.com', '[email]'],
  ])('redactRequestAscii scans the whole line for odd request lines: %s', (_case, line, want) => {
    const { bytes, offset } = embedded(line);
    expect(r.redactRequestAscii(line, bytes, offset)).toBe(want);
  });

  it('redacts non-ASCII text at the right character offsets', () => {
    expect(redact('café jo@example.com 81.6.12.34 ünïcode')).toBe('café [email] 81.6.12.0 ünïcode');
    expect(redact('日本語 tel 070-123 45 67 😀 2001:db8:1:2::1 ✓')).toBe('日本語 tel [phone] 😀 2001:db8:1:: ✓');
    expect(redact('/søk?q=ø&e=jo%40example.com&t=å')).toBe('/søk?q=ø&e=[email]&t=å');
    expect(redact('€ token=abc 😀')).toBe('€ token=[redacted] 😀');
  });

  it('maps offsets correctly after lone surrogates, which UTF-8 encodes as three bytes', () => {
    expect(redact('\ud800é 81.6.12.34 jo@example.com x')).toBe('\ud800é 81.6.12.0 [email] x');
    expect(redact('\ud800\ud800\ud800 81.6.12.34 jo@example.com')).toBe('\ud800\ud800\ud800 81.6.12.0 [email]');
    expect(redact('\udc00\ud800€ 81.6.12.34 tail \ud800')).toBe('\udc00\ud800€ 81.6.12.0 tail \ud800');
    expect(redact('\ud83d\ude00\ud800 token=abc')).toBe('\ud83d\ude00\ud800 token=[redacted]');
  });
});

describe('sensitive parameter names', () => {
  it('normalises case and - _ . [ ] before comparing', () => {
    const names = new SensitiveNames(['token'], ['key']);
    const test = (name: string): boolean => names.test(Buffer.from(name), 0, name.length);
    for (const n of ['token', 'TOKEN', 'access_token', 'Access-Token', 'accesstoken', 'auth.token', 'x[token]', 't-o_k.e[n]', 'key', 'KEY', 'k_e-y', '[key]']) expect(test(n), n).toBe(true);
    for (const n of ['tok', 'keyboard', 'monkey', 'apikeys', 'page', '', '-_.[]']) expect(test(n), n).toBe(false);
  });

  it('matches the policy\'s contains-names anywhere and exact names only whole', () => {
    const names = new SensitiveNames(['token', 'signature', 'mail'], ['user', 'code', 'state']);
    const test = (name: string): boolean => names.test(Buffer.from(name), 0, name.length);
    expect(test('X-Amz-Signature')).toBe(true);
    expect(test('user_email')).toBe(true);
    expect(test('user')).toBe(true);
    expect(test('username')).toBe(false);
    expect(test('code')).toBe(true);
    expect(test('zipcode')).toBe(false);
    expect(test('state')).toBe(true);
    expect(test('statement')).toBe(false);
  });

  it('reads the name in place, at an offset', () => {
    const names = new SensitiveNames(['token'], ['key']);
    const b = Buffer.from('?a=1&my_token=2&key=3');
    expect(names.test(b, 5, 13)).toBe(true);
    expect(names.test(b, 5, 12)).toBe(false); // my_toke
    expect(names.test(b, 16, 19)).toBe(true);
    expect(names.test(b, 1, 2)).toBe(false);
  });

  it('gives the right verdict for thousands of distinct names, beyond its 1024-slot table, asked repeatedly', () => {
    const names = new SensitiveNames(['secret'], ['pin']);
    const all: [string, boolean][] = [];
    for (let k = 0; k < 3000; k++) {
      all.push([`param${k}`, false]);
      all.push([`x${k}secret`, true]);
      if (k % 10 === 0) all.push([`P_I-N`, true]);
    }
    const wrong: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [name, want] of all) if (names.test(Buffer.from(name), 0, name.length) !== want) wrong.push(name);
    }
    expect(wrong).toEqual([]);
  });

  it('never confuses two names whose hashes collide', () => {
    // FNV-1a over the normalised bytes, as the table computes it.
    const fnv = (s: string): number => {
      let h = 0x811c9dc5;
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
      return h;
    };
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let k = 0; pair === undefined && k < 1_000_000; k++) {
      const name = `n${k.toString(36)}`;
      const h = fnv(name) & 1023; // same slot
      const prev = seen.get(h);
      if (prev !== undefined) pair = [prev, name];
      else seen.set(h, name);
    }
    expect(pair).toBeDefined();
    const [a, b] = pair!;
    // a is sensitive, b is not; they land on the same slot (or its neighbour).
    const names = new SensitiveNames([], [a]);
    for (let round = 0; round < 3; round++) {
      expect(names.test(Buffer.from(a), 0, a.length)).toBe(true);
      expect(names.test(Buffer.from(b), 0, b.length)).toBe(false);
    }
    const swapped = new SensitiveNames([], [a]);
    expect(swapped.test(Buffer.from(b), 0, b.length)).toBe(false);
    expect(swapped.test(Buffer.from(a), 0, a.length)).toBe(true);
  });

  it('handles names longer than its key slots and its scratch buffer', () => {
    const names = new SensitiveNames(['token'], []);
    const long = 'a'.repeat(60) + '_token';
    expect(names.test(Buffer.from(long), 0, long.length)).toBe(true);
    const longPlain = 'a'.repeat(60);
    expect(names.test(Buffer.from(longPlain), 0, longPlain.length)).toBe(false);
    // Past 256 normalised characters the name is not read whole: its value is redacted (fail closed).
    const huge = 'a'.repeat(300) + 'token';
    expect(names.test(Buffer.from(huge), 0, huge.length)).toBe(true);
    expect(redact(`/x?${huge}=v`)).toBe(`/x?${huge}=[redacted]`);
  });

  it('does not read a replacement in front of = as a parameter name', () => {
    expect(redact('[email]=0')).toBe('[email]=0');
    expect(redact('.[phone]=0')).toBe('.[phone]=0');
    expect(redact('jo@example.com=1')).toBe('[email]=1');
    expect(redact('a_b[email]=1')).toBe('a_b[email]=[redacted]');
  });
});

describe('luhn', () => {
  const codes = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
  it('accepts valid and rejects invalid numbers, over a range of digits', () => {
    expect(luhnValid(codes('4111111111111111'))).toBe(true);
    expect(luhnValid(codes('4111111111111112'))).toBe(false);
    expect(luhnValid(codes('79927398713'))).toBe(true);
    expect(luhnValid(codes('79927398710'))).toBe(false);
    expect(luhnValid(codes('xx8112189876'), 2, 12)).toBe(true);
    expect(luhnValid(codes('198112189876'), 2)).toBe(true);
    expect(luhnValid(codes('0'))).toBe(true);
  });

  it('detects every single-digit error', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 2, maxLength: 19 }), fc.nat(), fc.integer({ min: 1, max: 9 }), (digits, at, delta) => {
        // Make it valid by choosing the check digit.
        const body = digits.slice(0, -1);
        let check = 0;
        while (!luhnValid(codes(body.join('') + check))) check++;
        const valid = [...body, check];
        const k = at % valid.length;
        const broken = valid.slice();
        broken[k] = (broken[k]! + delta) % 10;
        expect(luhnValid(codes(broken.join('')))).toBe(false);
      }),
      FC,
    );
  });
});

// ---- property tests ----

const SEPARATORS = [' ', '/', '"', ',', ';', '(', ')', '<', '>', '|', '\t', '\n', '&', '[', ']', "'", '!', '*'];
const sep = fc.constantFrom(...SEPARATORS);
const surrounding = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 15 }), fc.constantFrom('GET /x?a=1', 'client', 'user=bob', 'é', 'ok'));

const v4octets = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).filter((o) => o[3] !== 0); // host bits set under /24

function renderV4(octets: readonly number[], pad: readonly number[]): string {
  return octets.map((o, k) => String(o).padStart(Math.min(3, String(o).length + pad[k]!), '0')).join('.');
}

const v4text = fc.tuple(v4octets, fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 })).map(([o, pad]) => renderV4(o, pad));

/** Groups of an IPv6 address with host bits set (under /48), outside ::/96. */
const v6groups = fc
  .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .filter((g) => g.slice(3).some((x) => x !== 0) && g.slice(0, 6).some((x) => x !== 0));

function renderV6(g: readonly number[], width: readonly number[], upper: readonly boolean[], gapPick: number, dotted: boolean): string {
  const runs: [number, number][] = [];
  for (let a = 0; a < 8; a++) for (let z = a; z < 8 && g[z] === 0; z++) runs.push([a, z - a + 1]);
  const gap = gapPick < 0 || runs.length === 0 ? undefined : runs[gapPick % runs.length]!;
  const useDotted = dotted && (gap === undefined || gap[0] + gap[1] <= 6);
  const last = useDotted ? 6 : 8;
  const hex = (k: number): string => {
    const s = g[k]!.toString(16).padStart(width[k]!, '0');
    return upper[k] ? s.toUpperCase() : s;
  };
  const part = (from: number, to: number): string[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => hex(from + i));
  let text = gap === undefined ? part(0, last).join(':') : `${part(0, gap[0]).join(':')}::${part(Math.min(gap[0] + gap[1], last), last).join(':')}`;
  if (useDotted) {
    const quad = `${g[6]! >>> 8}.${g[6]! & 255}.${g[7]! >>> 8}.${g[7]! & 255}`;
    text += text.endsWith(':') ? quad : `:${quad}`;
  }
  return text;
}

const v6text = fc
  .record({
    g: v6groups,
    width: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 8, maxLength: 8 }),
    upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    gap: fc.integer({ min: -1, max: 40 }),
    dotted: fc.boolean(),
  })
  .map(({ g, width, upper, gap, dotted }) => renderV6(g, width, upper, gap, dotted));

const mappedText = fc
  .tuple(v4octets, fc.boolean(), fc.boolean())
  .map(([o, dotted, upper]) => {
    const tail = dotted ? o.join('.') : `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
    return (upper ? '::FFFF:' : '::ffff:') + tail;
  });

const anyAddress = fc.oneof(v4text, v6text, mappedText);

describe('properties', () => {
  it('the generated addresses are valid and truncation changes them (so the tests below mean something)', () => {
    fc.assert(
      fc.property(anyAddress, (addr) => {
        const t = truncateIp(addr, D);
        expect(t, addr).toBeDefined();
        expect(t).not.toBe(addr);
      }),
      FC,
    );
  });

  it('never leaves an IPv4 or IPv6 address in the output, wherever it sits in the text', () => {
    fc.assert(
      fc.property(surrounding, sep, anyAddress, sep, surrounding, (before, s1, addr, s2, after) => {
        expect(redact(before + s1 + addr + s2 + after)).not.toContain(addr);
      }),
      FC,
    );
  });

  it('never leaves an IPv6 address whose colons are URL-encoded in a query string, once or nested in a redirect', () => {
    fc.assert(
      fc.property(surrounding, fc.oneof(v6text, mappedText), fc.constantFrom('%3A', '%3a', '%253A', '%25253a'), (before, addr, colon) => {
        const encoded = addr.replace(/:/g, colon);
        const out = redact(`${before} /q?ip=${encoded}&x=1`);
        expect(out).not.toContain(encoded);
        expect(out).not.toContain(addr);
        expect(out).toContain(`?ip=${truncateIp(addr, D)}&x=1`);
      }),
      FC,
    );
  });

  it('never leaves an e-mail address in the output', () => {
    // Two kinds of address fc.emailAddress() can produce are out of scope, because in
    // log text they mean something else: a %XX sequence is read as percent-encoding
    // (`a%3c@x.org` is `a<@x.org`), and a local part of URL punctuation alone
    // (`#@x.org`, `=@x.org`) is the end of a URL, not an address.
    const email = fc.emailAddress().filter((e) => !/%[0-9a-f]{2}/i.test(e) && !/^[/?=&#]+@/.test(e));
    fc.assert(
      fc.property(surrounding, sep, email, sep, surrounding, (before, s1, addr, s2, after) => {
        expect(redact(before + s1 + addr + s2 + after)).not.toContain(addr);
      }),
      { ...FC, numRuns: 1000 },
    );
  });

  it('truncates an address between spaces to what truncateIp gives', () => {
    fc.assert(
      fc.property(anyAddress, (addr) => {
        expect(redact(`GET /x?a=1 ${addr} "ok"`)).toBe(`GET /x?a=1 ${truncateIp(addr, D)} "ok"`);
      }),
      FC,
    );
  });

  it('finds identifiers after a literal percent sign whose next characters read as hex (%25 then hex is text, or one more escape)', () => {
    expect(redact('id=%25de305d54-75b4-431b-adb2-eb6b9e546014')).toBe('id=%25[uuid]');
    expect(redact('pay %254111111111111111 ok')).toBe('pay %25[card] ok');
    expect(redact('q=100%25abe%40example.com')).toBe('q=[email]');
    expect(redact('x %2500:1a:2b:3c:4d:5e y')).toBe('x %25[mac] y');
    expect(redact('x %25fd:1:2:3:4:5:6:7 y')).toBe('x %25fd:1:2:: y');
    expect(redact('x %2525252500:1a:2b:3c:4d:5e y')).toBe('x %25252525[mac] y');
  });

  it('reads an escape before a token as an escape when a deeper round finds the token, so a second pass changes nothing', () => {
    const once = redact('/cb?next=%252Fa%253Fauth%253DBearer%2520Ab3dE6gH9jK2mN5pQ8rS1tU4%2526x%253D1');
    expect(once).toBe('/cb?next=%252Fa%253Fauth%253D[redacted]%2526x%253D1'); // the value of auth, up to the separator encoded as deep as its `=`
    expect(redact(once)).toBe(once);
  });

  it('finds every address in a long word of many @ and %40 (the local part is read back only to the previous one)', () => {
    expect(redact('x@'.repeat(20_000))).toBe('x@'.repeat(20_000));
    expect(redact('a%2540b.cc%2C'.repeat(2_000))).toBe('[email]%2C'.repeat(2_000));
    expect(redact('jo@ex.se,'.repeat(2_000))).toBe('[email],'.repeat(2_000));
  });

  it('truncates an address in a URL encoded one to three times, and redacting again changes nothing', () => {
    const encode = (s: string, times: number): string => (times === 0 ? s : encode(encodeURIComponent(s), times - 1));
    const decode = (s: string): string => s.replace(/%([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    const target = fc.oneof(
      fc.oneof(v6text, mappedText).map((a) => ({ addr: a, url: `http://[${a}]:8080/p?x=1` })),
      v4text.map((a) => ({ addr: a, url: `http://${a}/p?from=${a}` })),
    );
    fc.assert(
      fc.property(target, fc.integer({ min: 1, max: 3 }), ({ addr, url }, times) => {
        const out = redact(`/go?to=${encode(url, times)}&x=1`);
        expect(redact(out)).toBe(out);
        let plain = out;
        for (let k = 0; k < times; k++) plain = decode(plain);
        expect(plain).not.toContain(addr);
      }),
      FC,
    );
  });

  it('is idempotent: redacting its own output changes nothing', () => {
    // Fields of a log line are separated by spaces and quotes. (Glued fragments such
    // as `0]0@example.com=0` are known not to be: a replacement can create the context
    // for a new match, e.g. `0][email]=0` reads as a sensitive parameter.)
    const fieldSep = fc.constantFrom(' ', '\t', ' "', '" ', ' - ', ' [', '] ');
    const logLike = fc
      .array(fc.oneof(anyAddress, fc.emailAddress(), fc.constantFrom('070-123 45 67', '+46701234567', '811218-9876', '4111 1111 1111 1111', 'token=abc', 'https://u:p@h.se/', '/x?a=1', 'GET', 'HTTP/1.1'), fc.string()), { maxLength: 8 })
      .chain((words) => fc.array(fieldSep, { minLength: words.length, maxLength: words.length }).map((seps) => words.map((w, k) => w + seps[k]).join('')));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 40 }), logLike), (text) => {
        const once = redact(text);
        expect(redact(once)).toBe(once);
      }),
      { ...FC, numRuns: 600 },
    );
  }, 30_000); // generated cases; sized for a loaded 2-vCPU machine

  it('never throws, on any string including lone surrogates, and keeps non-ASCII text around hits', () => {
    const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
    const piece = fc.oneof(fc.string({ unit: 'binary', maxLength: 10 }), surrogate, anyAddress, fc.constantFrom(' ', ' ', ' jo@example.com ', '%40', '%', '%4', '=', '://', '@', 'é', '😀', ' 81.6.12.34 '));
    // A lone surrogate is one character that UTF-8 writes as U+FFFD: redacting either must cut at the same places.
    const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
    const wellFormed = (x: string): string => x.replace(lone, '\ufffd');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const text = pieces.join('');
        let out = '';
        expect(() => (out = redact(text))).not.toThrow();
        expect(wellFormed(out)).toBe(redact(wellFormed(text)));
      }),
      { ...FC, numRuns: 1000 },
    );
  }, 30_000); // generated cases; sized for a loaded 2-vCPU machine

  it('handles huge strings, with and without hits', () => {
    const big = 'a/b?c=d '.repeat(200_000);
    expect(redact(big)).toBe(big);
    const withHits = `${big}jo@example.com ${big}81.6.12.34 \ud800${big}`;
    const out = redact(withHits);
    expect(out).toBe(`${big}[email] ${big}81.6.12.0 \ud800${big}`);
    expect(redact('x'.repeat(3_000_000))).toHaveLength(3_000_000);
  }, 30_000); // megabytes of text; sized for a loaded 2-vCPU machine
});

describe('redact: sensitive parameters in awkward places', () => {
  it.each([
    ['== login failed password=hunter2', '== login failed password=[redacted]'],
    ['%3Dx&token=abc123', '%3Dx&token=[redacted]'],
    ['=token=abc', '=token=[redacted]'],
  ])('finds a sensitive parameter after an `=` at the very start of the text: %s', (input, output) => {
    expect(r.redact(input)).toBe(output);
  });

  it.each([
    ['GET /x?name=Anna%20Svensson&page=2 HTTP/1.1', 'GET /x?name=[name]&page=2 HTTP/1.1'],
    ['password=my%20secret%20phrase', 'password=[redacted]'],
    ['address=Storgatan%201%2C%20Stockholm&x=1', 'address=[redacted]&x=1'],
    ['password=a%26b&c=1', 'password=[redacted]&c=1'],
  ])('redacts the whole value of a sensitive parameter, percent-encoded spaces and separators included: %s', (input, output) => {
    expect(r.redact(input)).toBe(output);
  });
});
