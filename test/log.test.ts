/**
 * src/log.ts: whatever is handed to gallra's logger — objects, errors with
 * addresses in message, stack and custom properties, format strings, child
 * bindings, buffers, deep nesting — what it writes holds no raw identifier.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, LOG_LEVELS, scrubLogText, scrubLogValue } from '../src/log.js';

const IP4 = '81.6.12.34';
const IP6 = '2a02:8108:1cc0:4d2e:b1a8:2f3c:9e41:7d05';
const EMAIL = 'karin.berg@example.se';
const TOKEN = 'Zq8XrT2mVw9LpK4sJd7Ny3Hb6Fc1Ge5A';
const RAW = [IP4, IP6, EMAIL, TOKEN, '193.10.250.77', 'bob.svensson@example.org', '85.229.3.201'];

/** A logger at `level` writing into an array of parsed JSON lines. */
function capture(level: (typeof LOG_LEVELS)[number] = 'trace'): { log: ReturnType<typeof createLogger>; out: () => string; records: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger(level, stream);
  const out = (): string => chunks.join('');
  return { log, out, records: () => out().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function expectClean(text: string): void {
  for (const raw of RAW) expect(text.includes(raw), `${raw} in ${text}`).toBe(false);
}

describe('createLogger', () => {
  it('scrubs every string of a logged object, nested ones and keys included', () => {
    const { log, out, records } = capture();
    log.info({ client: IP4, list: [IP6, { email: EMAIL }], [`from ${IP4}`]: 1, nested: { token: `token=${TOKEN}` } }, 'request from %s', '193.10.250.77');
    expectClean(out());
    const [rec] = records();
    expect(rec).toMatchObject({ level: 30, name: 'gallra', client: '81.6.0.0', msg: 'request from 193.10.0.0' });
    expect(rec!.list).toEqual(['2a02:8108::', { email: '[email]' }]);
  });

  it('scrubs errors: message, stack, code and cause, and leaves out their other properties', () => {
    const { log, out, records } = capture();
    const cause = new Error(`ECONNREFUSED ${IP4}:443`);
    const err = Object.assign(new Error(`cannot reach ${EMAIL} at ${IP6}`, { cause }), { code: `E_${IP4}`, client: '85.229.3.201', details: { user: 'bob.svensson@example.org' } });
    log.error({ err }, 'send failed');
    log.error(err);
    log.error(err, 'retry for %s failed', '193.10.250.77');
    expectClean(out());
    const [withKey, alone, withMsg] = records();
    const e = withKey!.err as Record<string, unknown>;
    expect(e.type).toBe('Error');
    expect(e.message).toBe('cannot reach [email] at 2a02:8108::');
    expect(e.stack).toMatch(/^Error: cannot reach \[email\] at 2a02:8108::\n\s+at /);
    expect(e).not.toHaveProperty('client');
    expect(e).not.toHaveProperty('details');
    expect((e.cause as { message: string }).message).toMatch(/^ECONNREFUSED 81\.6\.0\.0/);
    // An error logged on its own keeps pino's shape: { err }, with its (scrubbed) message as msg.
    expect(alone!.msg).toBe('cannot reach [email] at 2a02:8108::');
    expect((alone!.err as { message: string }).message).toBe('cannot reach [email] at 2a02:8108::');
    expect(withMsg!.msg).toBe('retry for 193.10.0.0 failed');
  });

  it('scrubs the message after format-string interpolation, where pieces can join into an identifier', () => {
    const { log, out, records } = capture();
    log.info('from %s.%s', '81.6', '12.34');
    log.info('user %s@%s', 'karin.berg', 'example.se');
    log.info('%j and %o', { ip: IP4 }, { ip: IP6 });
    log.warn('%d lines, token %s', 3, TOKEN);
    expectClean(out());
    expect(records().map((r) => r.msg)).toEqual(['from 81.6.0.0', 'user [email]', '{"ip":"81.6.0.0"} and {"ip":"2a02:8108::"}', '3 lines, token [secret]']);
  });

  it('scrubs child-logger bindings', () => {
    const { log, out, records } = capture();
    log.child({ peer: IP4, who: EMAIL }).warn('child');
    expectClean(out());
    expect(records()[0]).toMatchObject({ peer: '81.6.0.0', who: '[email]', msg: 'child' });
  });

  it('writes buffers as their length and replaces nesting too deep to walk, never copying either raw', () => {
    const { log, out, records } = capture();
    let deep: Record<string, unknown> = { ip: IP4 };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    const line = Buffer.from(`${IP4} - alice [..] "GET /?email=${EMAIL}"`);
    log.info({ line, deep, when: new Date(Date.UTC(2026, 10, 22)), url: new URL(`https://user:pw@${IP4}/?token=${TOKEN}`) }, 'odd values');
    expectClean(out());
    const [rec] = records();
    expect(rec!.line).toBe(`[binary, ${line.length} bytes]`);
    expect(rec!.when).toBe('2026-11-22T00:00:00.000Z');
    expect(JSON.stringify(rec!.deep)).toContain('[nested too deep]');
  });

  it('writes nothing below its level and nothing at all when silent', () => {
    const warn = capture('warn');
    warn.log.info({ ip: IP4 }, 'hidden');
    warn.log.debug('hidden');
    warn.log.warn('shown');
    expect(warn.records().map((r) => r.msg)).toEqual(['shown']);
    const silent = capture('silent');
    silent.log.fatal('nothing');
    expect(silent.out()).toBe('');
  });
});

describe('scrubLogValue and scrubLogText', () => {
  it('truncate addresses with the strictest rule and replace identifiers', () => {
    expect(scrubLogText(`from ${IP4} for ${EMAIL}`)).toBe('from 81.6.0.0 for [email]');
    expect(scrubLogValue({ a: [IP4, 3, true, null] })).toEqual({ a: ['81.6.0.0', 3, true, null] });
    expect(scrubLogValue(new Map([['k', IP4]]))).toEqual({ k: '81.6.0.0' });
    expect(scrubLogValue(new Set([IP4]))).toEqual(['81.6.0.0']);
  });

  it('leave ordinary log text alone: counts, reasons, durations, ISO times', () => {
    const text = 'anonymise done: 1000 lines in, 990 out (unparsed 8, expired 2) in 1.5 s at 2026-11-22T04:00:00.000Z';
    expect(scrubLogText(text)).toBe(text);
  });
});
