/** referrer_domain: registrable domains only, internal and direct grouped, no address ever. */
import { describe, expect, it } from 'vitest';
import { referrerDomain, registrableDomain } from '../../src/aggregate/referrer.js';

describe('referrer domain', () => {
  it.each([
    ['https://www.google.com/search?q=x', 'google.com'],
    ['https://news.google.co.uk/articles/1', 'google.co.uk'],
    ['http://user:secret@blog.example.github.io:8080/post', 'example.github.io'],
    ['https://t.co/abc', 't.co'],
    ['-', '(direct)'],
    ['', '(direct)'],
    ['https://203.0.113.7/login', '(ip)'],
    ['https://[2001:db8::1]/', '(ip)'],
    ['android-app://com.example', '(invalid)'],
    ['[redacted]', '(invalid)'],
  ])('%s → %s', (ref, domain) => {
    expect(referrerDomain(ref, undefined, [])).toBe(domain);
  });

  it('groups referrers from the site itself, and from the configured internal domains, as (internal)', () => {
    expect(referrerDomain('https://www.example.org/a', 'shop.example.org', [])).toBe('(internal)');
    expect(referrerDomain('https://intranet.example.net/', 'shop.example.org', ['example.net'])).toBe('(internal)');
    expect(referrerDomain('https://example.com/', 'shop.example.org', ['example.net'])).toBe('example.com');
  });

  it('keeps two labels, or three under a multi-label public suffix', () => {
    expect(registrableDomain('a.b.c.example.com.au')).toBe('example.com.au');
    expect(registrableDomain('localhost')).toBe('localhost');
  });
});
