/**
 * Valid lines of rare shapes are read, not dropped (issue 8): a line that
 * starts with a UTF-8 byte-order mark anywhere in a file, a `remote_user`
 * with a space, an IPv6-literal virtual host in vhost_combined — each by
 * its own format, in auto-detection and with the format named, with the
 * user name still anonymised and the BOM not written out. Lines that only
 * look like them (a vhost_combined line with an address as host read as
 * combined) are not taken by the wrong format.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymiseText, makeAnonymiser, makeEnv, policyFrom, T0, type TestEnv } from '../helpers/env.js';
import { restampedFixture } from '../helpers/cloud.js';
import { clfTime } from '../helpers/lines.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

const BOM = '\uFEFF';
const T = clfTime(T0 - 3_600_000);
const ISO = new Date(T0 - 3_600_000).toISOString();
const UA = '"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"';

const LINES = {
  combined: `81.6.12.34 - anna [${T}] "GET /a HTTP/1.1" 200 1234 "-" ${UA}`,
  combined_xff: `81.6.12.34 - anna [${T}] "GET /a HTTP/1.1" 200 1234 "-" ${UA} "90.76.31.188"`,
  common: `81.6.12.34 - anna [${T}] "GET /a HTTP/1.1" 200 1234`,
  vhost_combined: `www.example.se:443 81.6.12.34 - anna [${T}] "GET /a HTTP/1.1" 200 1234 "-" ${UA}`,
  json: JSON.stringify({ time: ISO, remote_addr: '81.6.12.34', status: 200, request: 'GET /a HTTP/1.1' }),
} as const;
const FORMAT_OF: Record<keyof typeof LINES, string> = { combined: 'combined', combined_xff: 'combined', common: 'common', vhost_combined: 'vhost_combined', json: 'json' };

function run(format: string, text: string): { out: string[]; decoded: Record<string, number>; dropped: number } {
  const a = makeAnonymiser(env, policyFrom(env, JSON.stringify({ input: { format } }), 'json').config);
  const out = anonymiseText(a, text);
  return { out, decoded: { ...a.stats.decoded }, dropped: a.stats.droppedTotal };
}

describe('lines that start with a byte-order mark', () => {
  for (const [shape, line] of Object.entries(LINES) as [keyof typeof LINES, string][]) {
    for (const format of ['auto', FORMAT_OF[shape]]) {
      it(`${shape} (${format}): a BOM before the first, a middle and the last line is skipped`, () => {
        const text = `${BOM}${line}\n${line}\n${BOM}${line}\n${line}\n${BOM}${line}\n`;
        const got = run(format, text);
        expect(got.dropped).toBe(0);
        expect(got.decoded).toEqual({ [FORMAT_OF[shape]]: 5 });
        expect(got.out).toHaveLength(5);
        for (const o of got.out) expect(o.includes(BOM)).toBe(false);
        // Each output line is what the same line without the BOM gives.
        expect(new Set(got.out).size).toBe(1);
      });
    }
  }

  it('a W3C file appended to another, its header block after a BOM, is read as the first', () => {
    const file = restampedFixture('w3c', 'w3c.log', T0);
    const one = run('w3c', file);
    const two = run('w3c', `${file.endsWith('\n') ? file : `${file}\n`}${BOM}${file}`);
    expect(one.decoded.w3c).toBeGreaterThan(0);
    expect(two.decoded).toEqual({ w3c: 2 * one.decoded.w3c! });
    expect(two.dropped).toBe(0);
  });

  it('a BOM alone, or a BOM before garbage, is still an unparsed line', () => {
    const got = run('auto', `${BOM}\n${BOM}not a log line\n`);
    expect(got.out).toEqual([]);
    expect(got.dropped).toBe(2);
  });
});

describe('a remote_user with a space', () => {
  const spaced = (line: string): string => line.replace(' - anna [', ' - anna svensson [');
  for (const shape of ['combined', 'combined_xff', 'common', 'vhost_combined'] as const) {
    for (const format of ['auto', FORMAT_OF[shape]]) {
      it(`${shape} (${format}) is read by its format, the user name anonymised as a whole`, () => {
        const got = run(format, `${spaced(LINES[shape])}\n${LINES[shape]}\n`);
        expect(got.dropped).toBe(0);
        expect(got.decoded).toEqual({ [FORMAT_OF[shape]]: 2 });
        expect(got.out).toHaveLength(2);
        for (const o of got.out) {
          expect(o).not.toMatch(/anna|svensson/i);
          expect(o).toContain('"GET /a HTTP/1.1" 200 1234');
        }
      });
    }
  }

  it('a user of several words, with an identd answer of "-" only', () => {
    const line = `81.6.12.34 - Anna Maria Svensson [${T}] "GET /a HTTP/1.1" 200 1234 "-" ${UA}`;
    expect(run('combined', `${line}\n`).decoded).toEqual({ combined: 1 });
    // An identd answer before a spaced user is not a shape a server writes: not read.
    expect(run('combined', `${line.replace(' - Anna', ' ident Anna')}\n`).dropped).toBe(1);
  });

  it('a vhost_combined line whose host is an address is not read as combined with a spaced user', () => {
    const line = `10.0.0.1:443 81.6.12.34 - anna [${T}] "GET /a HTTP/1.1" 200 1234 "-" ${UA}`;
    expect(run('auto', `${line}\n`).decoded).toEqual({ vhost_combined: 1 });
    expect(run('combined', `${line}\n`).dropped).toBe(1);
    // Even after combined lines, when combined is tried first.
    expect(run('auto', `${LINES.combined}\n${line}\n`).decoded).toEqual({ combined: 1, vhost_combined: 1 });
  });
});

describe('an IPv6-literal virtual host', () => {
  for (const host of ['[2a02:1406:2:1a::3]:443', '[::1]:8080', '[2001:db8::7]:80']) {
    for (const format of ['auto', 'vhost_combined']) {
      it(`${host} (${format}) is read by vhost_combined`, () => {
        const line = LINES.vhost_combined.replace('www.example.se:443', host);
        const got = run(format, `${line}\n${LINES.combined}\n`.replace(format === 'auto' ? '' : LINES.combined + '\n', ''));
        expect(got.dropped).toBe(0);
        expect(got.decoded.vhost_combined).toBe(1);
        expect(got.out[0]).toContain('"GET /a HTTP/1.1" 200 1234');
        // The client address is still truncated.
        expect(got.out[0]).not.toContain('81.6.12.34');
      });
    }
  }

  it('with a spaced user too', () => {
    const line = LINES.vhost_combined.replace('www.example.se:443', '[2a02:1406:2:1a::3]:443').replace(' - anna [', ' - anna svensson [');
    const got = run('auto', `${line}\n`);
    expect(got.decoded).toEqual({ vhost_combined: 1 });
    expect(got.out[0]).not.toMatch(/anna|svensson/);
  });

  it('an unclosed bracket is an unparsed line', () => {
    const line = LINES.vhost_combined.replace('www.example.se:443', '[2a02:1406:2:1a::3:443');
    expect(run('auto', `${line}\n`).dropped).toBe(1);
  });
});
