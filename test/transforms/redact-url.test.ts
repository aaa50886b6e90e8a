/**
 * URL fields fail closed (issue 8): query values by allow-list, nested
 * redirect targets read the same way at every depth, path templates, user
 * info; `query: detect` keeps the detect-only behaviour. Also the hook the
 * `redact` transform calls, the hit counters and the custom rules.
 */
import { describe, expect, it } from 'vitest';
import { redactConfigSchema, redactOptionsFromConfig } from '../../src/transforms/redact/config.js';
import { compileCustomPattern, linearEngineAvailable } from '../../src/transforms/redact/custom.js';
import { REDACTION_KINDS, Redactor, compileRedaction } from '../../src/transforms/redact/index.js';
import { DEFAULT_IP_TRUNCATION } from '../../src/transforms/truncate-ip.js';

const D = DEFAULT_IP_TRUNCATION;
const make = (c: Record<string, unknown> = {}): Redactor => new Redactor(redactOptionsFromConfig(redactConfigSchema.parse(c), D));
const r = make();
const url = compileRedaction(r, 'url', 'request_uri');
const request = compileRedaction(r, 'request', 'request');
const enc = encodeURIComponent;

describe('query strings by allow-list', () => {
  it.each([
    ['/search?q=anna+svensson&page=2&sort=desc', '/search?q=[redacted]&page=2&sort=desc'],
    ['/x?utm_source=news&utm_campaign=spring&fbclid=IwAR0abc', '/x?utm_source=news&utm_campaign=spring&fbclid=[redacted]'],
    ['/x?a=1&b=&c', '/x?a=[redacted]&b=&c'],
    ['/x?token=abc&email=jo%40x.se&given_name=Anna&dob=1981-12-18', '/x?token=[redacted]&email=[redacted]&given_name=[name]&dob=[birthdate]'],
    ['/x?page=2&ref=anna1981', '/x?page=2&ref={id}'],
    ['/x?v=1.2.3.4&lang=sv-SE&locale=sv_SE&format=json', '/x?v=1.2.3.4&lang=sv-SE&locale=sv_SE&format=json'],
    ['/x?ref=jo%40example.com', '/x?ref={email}'],
    ['/x?jo@example.com', '/x?{email}'],
    ['/cb#access_token=abc&expires_in=3600&token_type=bearer', '/cb#access_token=[redacted]&expires_in=[redacted]&token_type=[redacted]'],
    ['/cb#section-2', '/cb#section-2'],
    ['/login?l%C3%B6senord=#vinter821', '/login?l%C3%B6senord=#[redacted]'],
  ])('%s', (input, want) => {
    expect(url.fn(input)).toBe(want);
  });

  it('reads nested redirect targets with the same rule, percent-encoded to any depth', () => {
    const inner = '/account?tab=2&email=jo@x.se&page=3';
    expect(url.fn(`/login?next=${enc(inner)}`)).toBe('/login?next=%2Faccount%3Ftab%3D2%26email%3D[redacted]%26page%3D3');
    const deep = `https://a.example/r?u=${enc(`https://b.example/p?v=${enc(`/q?page=2&phone=${enc('+46701234567')}`)}`)}`;
    const out = url.fn(`/go?to=${enc(deep)}`);
    expect(out).not.toContain('4670');
    expect(out).toContain('page%25253D2');
    expect(url.fn(`/go?to=${enc('https://anna:Vinter%2324@files.example.se/x')}`)).toBe('/go?to=https%3A%2F%2F[userinfo]%40files.example.se%2Fx');
  });

  it('keeps allow-listed values only when their shape is not an identifier, and scans them', () => {
    expect(url.fn('/x?sort=81.6.12.34')).toBe('/x?sort={ip}');
    expect(url.fn('/x?utm_term=jo%40x.se')).toBe('/x?utm_term={email}');
    expect(url.fn('/x?utm_term=call%20070-123%2045%2067')).toBe('/x?utm_term=call%20[phone]');
  });

  it('extends the allow-list from the policy, and can replace it', () => {
    const extended = compileRedaction(make({ allow_params: ['q', 'filter_*'] }), 'url');
    expect(extended.fn('/s?q=boots&filter_size=42&page=2&x=1')).toBe('/s?q=boots&filter_size=42&page=2&x=[redacted]');
    const own = compileRedaction(make({ builtin_allow_params: false, allow_params: ['q'] }), 'url');
    expect(own.fn('/s?q=boots&page=2')).toBe('/s?q=boots&page=[redacted]');
  });

  it('keeps the detect-only behaviour with query: detect', () => {
    const detect = compileRedaction(make({ query: 'detect' }), 'url');
    expect(detect.fn('/s?q=anna&email=jo%40x.se&ip=81.6.12.34&page=2')).toBe('/s?q=anna&email=[redacted]&ip=81.6.12.0&page=2');
  });

  it('leaves segments to the detectors with path: detect', () => {
    const detect = compileRedaction(make({ path: 'detect' }), 'url');
    expect(detect.fn('/users/134792/x')).toBe('/users/134792/x');
    expect(url.fn('/users/134792/x')).toBe('/users/{user}/x');
  });

  it('reads a request line’s target only; an odd one’s target by the URL rules too, the rest as text; a line without a method as text', () => {
    expect(request.fn('GET /users/anna?token=x&page=2 HTTP/1.1')).toBe('GET /users/{user}?token=[redacted]&page=2 HTTP/1.1');
    // No protocol (HTTP/0.9, a cut line): the query value off the allow-list still goes.
    expect(request.fn('GET /x?e=jo@example.com')).toBe('GET /x?e=[redacted]');
    expect(request.fn('GET /search?q=anna&page=2')).toBe('GET /search?q=[redacted]&page=2');
    expect(request.fn('GET /search?q=anna&page=2 HTTP/1.1 200 1234 mail jo@example.com')).toBe('GET /search?q=[redacted]&page=2 HTTP/1.1 200 1234 mail [email]');
    expect(request.fn('hello jo@example.com')).toBe('hello [email]');
    const b = Buffer.from('xx GET /p/12345678?q=1 HTTP/2.0 yy');
    expect(request.fnAscii('GET /p/12345678?q=1 HTTP/2.0', b, 3)).toBe('GET /p/{id}?q=[redacted] HTTP/2.0');
  });
});

describe('compileRedaction', () => {
  it('gives the text role the free-text detectors and the same string when nothing is found', () => {
    const text = compileRedaction(r, 'text');
    const s = 'all quiet on the western front';
    expect(text.fn(s)).toBe(s);
    expect(text.fn('mail jo@example.com')).toBe('mail [email]');
  });

  it('applies a field’s custom rules to that field only', () => {
    const custom = make({ custom: [{ params: ['kundnr'], placeholder: '[customer]', fields: ['request'] }, { pattern: 'KND-[0-9]{6}', placeholder: '[customer]' }] });
    expect(compileRedaction(custom, 'request', 'request').fn('GET /x?kundnr=77 HTTP/1.1')).toBe('GET /x?kundnr=[customer] HTTP/1.1');
    expect(compileRedaction(custom, 'url', 'http_referer').fn('/x?kundnr=77')).toBe('/x?kundnr=[redacted]');
    expect(compileRedaction(custom, 'text', 'message').fn('order KND-123456 paid')).toBe('order [customer] paid');
    expect(compileRedaction(custom, 'text', 'message').fn('kundnr=77')).toBe('kundnr=77');
    expect(custom.hits.custom).toBe(2);
  });
});

describe('hit counters', () => {
  it('count each replacement once, by kind, after overlaps are merged', () => {
    const h = make();
    expect(Object.keys(h.hits).sort()).toEqual([...REDACTION_KINDS].sort());
    h.redact('mail jo@example.com, tel 070-123 45 67, from 81.6.12.34, password: x1');
    h.redactUrl('/users/anna?q=1&page=2');
    expect(h.hits).toMatchObject({ email: 1, phone: 1, ip: 1, credential: 1, path: 1, query: 1 });
    h.redact('nothing here');
    expect(h.hits.email).toBe(1);
  });
});

describe('custom rules are checked at load', () => {
  it('has the linear-time engine here (Node 20)', () => {
    expect(linearEngineAvailable()).toBe(true);
  });

  it.each([
    ['(a+)+\\1', 'backreferences'],
    ['(?=x)y', 'lookahead'],
    ['a{2,5000}', 'large'],
    ['x*', 'empty string'],
    ['[customer', 'not a valid regular expression'],
    ['\\[customer\\]', 'its own placeholder'],
  ])('refuses %s', (pattern, reason) => {
    expect(() => compileCustomPattern(pattern, '[customer]')).toThrow(reason);
    const parsed = redactConfigSchema.safeParse({ custom: [{ pattern, placeholder: '[customer]' }] });
    expect(parsed.success).toBe(false);
  });

  it('accepts what runs in linear time, even shapes that backtrack in the default engine, and runs them in linear time', () => {
    const re = compileCustomPattern('(a+)+b', '[x]');
    const t = performance.now();
    expect(re.test('a'.repeat(5000))).toBe(false);
    expect(performance.now() - t).toBeLessThan(2000); // exponential would never finish
  });

  it('refuses a rule with neither pattern nor params, and a placeholder that would break a URL', () => {
    expect(redactConfigSchema.safeParse({ custom: [{ placeholder: '[x]' }] }).success).toBe(false);
    expect(redactConfigSchema.safeParse({ custom: [{ params: ['a'], placeholder: 'a b' }] }).success).toBe(false);
    expect(redactConfigSchema.safeParse({ custom: [{ params: ['a'], placeholder: 'x&y' }] }).success).toBe(false);
    expect(redactConfigSchema.safeParse({ query: 'maybe' }).success).toBe(false);
  });
});

describe('a query string on its own (the query role: cs-uri-query, $args)', () => {
  const query = compileRedaction(r, 'query', 'cs-uri-query');
  it('reads it as name=value pairs: allow-listed values kept, every other value replaced, names kept', () => {
    expect(query.fn('page=2&email=anna%40example.se&utm_source=news')).toBe('page=2&email=[redacted]&utm_source=news');
    expect(query.fn('id=42&sort=asc')).toBe('id=[redacted]&sort=asc');
  });
  it('still runs the detectors over allow-listed values', () => {
    expect(query.fn('ref=anna@example.se')).not.toContain('anna');
  });
  it('does not read the string as a path (a whole query string is not one segment)', () => {
    expect(query.fn('q=x&page=3')).toContain('page=3');
  });
});
