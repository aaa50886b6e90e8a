import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH_TEMPLATE, templatePath } from '../../../src/transforms/url/path-template.js';
import { SEG_EMAIL, SEG_HEX, SEG_ID, SEG_IP, SEG_KEEP, SEG_PHONE, SEG_PNR, SEG_TOKEN, SEG_USER, SEG_UUID, classifySegment } from '../../../src/transforms/url/segment.js';

const seg = (s: string): number => {
  const b = Buffer.from(s);
  return classifySegment(b, 0, b.length);
};

describe('templatePath', () => {
  it.each([
    ['/api/v1/users/134792/orders?page=2', '/api/v1/users/{user}/orders'],
    ['/api/v1/orders/12345678', '/api/v1/orders/{id}'],
    ['/reset/anna%40example.se', '/reset/{email}'],
    ['/@alice/posts', '/{user}/posts'],
    ['/~bob/index.html', '/{user}/index.html'],
    ['/u/anna', '/u/{user}'],
    ['/profile/anna.svensson', '/profile/{user}'],
    ['/author/karin-lind/', '/author/{user}/'],
    ['/home/anna/.ssh', '/home/{user}/.ssh'],
    ['C:\\Users\\anna\\file.txt', 'C:\\Users\\{user}\\file.txt'],
    ['/x/123e4567-e89b-12d3-a456-426614174000', '/x/{uuid}'],
    ['/commit/3f2a8b9c4d5e6f708192a3b4c5d6e7f8a9b0c1d2', '/commit/{hex}'],
    ['/t/lI06ClC7FamZATVV8ek2YEwEIJfjURoA', '/t/{token}'],
    ['/p/198112189876', '/p/{pnr}'],
    ['/sms/070-123%2045%2067/status', '/sms/{phone}/status'],
    ['/h/81.6.12.34/x', '/h/{ip}/x'],
    ['/h/2001:db8::1', '/h/{ip}'],
    ['/products/SKU12345', '/products/{id}'],
    ['/avatar/8f14e45fceea167a5a36dedd4bea2543.jpg', '/avatar/{hex}.jpg'],
    ['/files/report-198112189876.pdf', '/files/{id}.pdf'],
    ['/cart;jsessionid=ABC123/x', '/cart/x'],
    ['https://u:p@shop.example/p/8f14e45fceea167a5a36dedd4bea2543#x', 'https://shop.example/p/{hex}'],
    ['https://81.6.12.34/x', 'https://{ip}/x'],
    ['/geoip/0xb0.0xd.0xca.0xbb', '/geoip/{ip}'],
    ['/geoip/62.0.6.95.dyn.example-isp.se', '/geoip/{ip}'],
    ['/provision/dca6.327d.e63d.cfg', '/provision/{mac}.cfg'],
    ['/a/00-1a-2b-3c-4d-5e', '/a/{mac}'],
    ['/tel/040/14%2040%2095', '/tel/{phone}/{phone}'],
    ['/sms/98%2091%2069%2096/status', '/sms/{phone}/status'],
  ])('templates %s', (input, want) => {
    expect(templatePath(input)).toBe(want);
  });

  it.each([
    '/',
    '/assets/app.1efe627a.css',
    '/static/main.5f3c2a1b9e8d7c6b.js',
    '/downloads/app-1.2.3.4.js',
    '/blog/2024/11/22/privacy-guide-311/',
    '/img/hero-2752.webp',
    '/img/photo_2048x1536.jpg',
    '/products/iphone-15-pro',
    '/video/1080p',
    '/api/v2/h264',
    '/blog/björn-svensson',
    '/users/me/settings',
    '/api/v1/orders/1234',
    '/2026-11-22/report',
    '/assets/app.34618027.css',
    '/d/app-1.2.3.4.tar.gz',
    '/tel/contact',
    '/blog/raspberry-pi-monitoring-98j7/',
  ])('keeps %s', (input) => {
    expect(templatePath(input)).toBe(input);
  });

  it('classifies segments by shape', () => {
    expect([seg('1234567'), seg('123456'), seg('a1b2c3d4e5'), seg('jo@x.se'), seg('@jo'), seg('~jo')]).toEqual([SEG_ID, SEG_KEEP, SEG_HEX, SEG_EMAIL, SEG_USER, SEG_USER]);
    expect([seg('550e8400-e29b-41d4-a716-446655440000'), seg('eyJhbGciOiJIUzI1NiJ9xx12'), seg('0701234567'), seg('8112189876'), seg('10.1.2.3')]).toEqual([SEG_UUID, SEG_TOKEN, SEG_PHONE, SEG_PNR, SEG_IP]);
    expect([seg('{id}'), seg('[email]'), seg('%7Bid%7D')]).toEqual([SEG_KEEP, SEG_KEEP, SEG_KEEP]);
  });

  it('uses the configured user prefixes', () => {
    const opts = { userPrefixes: ['kund'] };
    expect(templatePath('/kund/anna/x', opts)).toBe('/kund/{user}/x');
    expect(templatePath('/users/anna/x', opts)).toBe('/users/anna/x');
    expect(templatePath('/users/anna/x', DEFAULT_PATH_TEMPLATE)).toBe('/users/{user}/x');
  });

  it('is idempotent and never throws', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('users', '12345678', 'jo@x.se', 'app.1efe627a.css', '%40', '~x', '{id}')), { maxLength: 8 }), (parts) => {
        const p = `/${parts.join('/')}`;
        const once = templatePath(p);
        expect(templatePath(once)).toBe(once);
      }),
      { seed: 0x7a7e, numRuns: 500 },
    );
  });
});

describe('a personal identity number split by a slash (/YYMMDD/NNNN)', () => {
  /** A Luhn-valid four-digit tail for the ten digits `yymmdd` + `nnn?`. */
  const tail = (yymmdd: string, nnn: string): string => {
    for (let d = 0; d <= 9; d++) {
      const ds = `${yymmdd}${nnn}${d}`;
      let sum = 0;
      for (let i = 0; i < 10; i++) {
        const v = Number(ds[i]) * (i % 2 === 0 ? 2 : 1);
        sum += Math.floor(v / 10) + (v % 10);
      }
      if (sum % 10 === 0) return `${nnn}${d}`;
    }
    throw new Error('unreachable');
  };
  const t = tail('811218', '987');
  const bad = `${t.slice(0, 3)}${(Number(t[3]) + 1) % 10}`;

  it.each([
    [`/p/811218/${t}`, '/p/{pnr}/{pnr}'],
    [`/p/19811218/${t}/x`, '/p/{pnr}/{pnr}/x'],
    [`/api/811218/${t}.pdf?x=1`, '/api/{pnr}/{pnr}.pdf'],
    [`https://shop.example/kund/811278/${tail('811278', '123')}`, 'https://shop.example/kund/{pnr}/{pnr}'],
  ])('types %s as {pnr}', (input, want) => {
    expect(templatePath(input)).toBe(want);
  });

  it.each([
    // The check digit does not match: a date and a record number.
    [`/p/811218/${bad}`, `/p/811218/${bad}`],
    // Not a date (month 13), five digits after, or only three.
    ['/p/811318/9876', '/p/811318/9876'],
    ['/p/811218/98765', '/p/811218/98765'],
    ['/p/811218/987', '/p/811218/987'],
    // Letters after the digits.
    [`/p/811218/${t}a`, `/p/811218/${t}a`],
  ])('keeps %s', (input, want) => {
    expect(templatePath(input)).toBe(want);
  });

  it('property: every valid date with a Luhn-valid tail, 6 or 8 digits, at any depth, is typed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1930, max: 2025 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 999 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.constantFrom('api', 'v1', 'kund', 'p', '2'), { maxLength: 3 }),
        (y, m, d, n, long, coord, prefix) => {
          const yymmdd = `${String(y % 100).padStart(2, '0')}${String(m).padStart(2, '0')}${String(coord ? d + 60 : d).padStart(2, '0')}`;
          const four = tail(yymmdd, String(n).padStart(3, '0'));
          const date = long ? `${Math.floor(y / 100)}${yymmdd}` : yymmdd;
          const path = `/${[...prefix, date, four].join('/')}`;
          const got = templatePath(path);
          expect(got).not.toContain(four);
          expect(got.endsWith('/{pnr}/{pnr}')).toBe(true);
        },
      ),
      { seed: 0x811218, numRuns: 500 },
    );
  });
});

describe('an e-mail address as a path segment', () => {
  it('is replaced whole: its domain\'s last label is not a file extension', () => {
    expect(templatePath('/reset/anna@example.se')).toBe('/reset/{email}');
    expect(templatePath('/u/anna.svensson@example.co.uk/profile')).not.toMatch(/anna|example|\.uk|\.se/);
  });
});
