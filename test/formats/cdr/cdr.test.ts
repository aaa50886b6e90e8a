/** `cdr`: numbering pseudonymised (normalised first), cells generalised, traffic metadata kept; JSON and CSV. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdrExampleLines } from '../../../src/formats/cdr/index.js';
import { anonymiseWith, restampedFixture, runText } from '../../helpers/cloud.js';
import { makeAnonymiser, makeEnv, policyFrom, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

type Rec = Record<string, unknown>;
const json = (lines: string[]): Rec[] => lines.map((l) => JSON.parse(l) as Rec);

describe('cdr', () => {
  it('gives an MSISDN with and without + one pseudonym, and a device\'s IMEI and IMEISV one pseudonym', () => {
    const [a, b] = json(anonymiseWith(env, 'cdr', restampedFixture('cdr', 'cdr.log', T0)).out);
    expect(a!.msisdn).toBe(b!.msisdn);
    expect(a!.imsi).toBe(b!.imsi);
    // 3534590712345601 (IMEISV) and 353459071234562 (IMEI, check digit 2): TAC and serial 35345907123456.
    expect(a!.imeisv).toBe(b!.imei);
  });

  it('keeps times, duration and volumes, pseudonymises numbering in separate namespaces, and generalises the cell to its tracking area', () => {
    const [a, , c] = json(anonymiseWith(env, 'cdr', restampedFixture('cdr', 'cdr.log', T0)).out);
    expect(a!.duration).toBe(312);
    expect(a!.bytes_up).toBe(48213);
    expect(a!.bytes_down).toBe(1290441);
    expect(a!.start_time).toMatch(/\+01:00$/);
    expect(a!.cell_id).toBe('240-01-tac12801');
    expect(a!.src_port).toBeUndefined();
    expect(a!.ue_ip).toBe('10.64.12.0');
    expect(c!.site_id).toBeUndefined();
    expect(c!.peer_msisdn).not.toBe(c!.msisdn);
    const text = JSON.stringify([a, c]);
    for (const n of ['46701234567', '240011234567890', '3534590712345601', '15555550123', '442079460958', '490154203237518', '3720142117']) expect(text).not.toContain(n);
  });

  it('reads CSV with a header: embedded commas and doubled quotes, empty fields absent, the header written back first', () => {
    const { out, stats } = anonymiseWith(env, 'cdr', restampedFixture('cdr', 'cdr.csv', T0));
    expect(stats.linesOut).toBe(4);
    expect(stats.headers).toBe(1);
    const lines = out.join('\n').split('\n');
    expect(lines[0]).toMatch(/^record_type,direction,start_time,/);
    // The voice record's site_id ("NYC-0042 ""Main St"", roof") is dropped: the line keeps its 24 columns.
    expect(lines[3]!.split(',')).toHaveLength(24);
    expect(out.join('\n')).not.toContain('Main St');
    // The same subscriber in JSON and in CSV: one pseudonym.
    const fromJson = json(anonymiseWith(env, 'cdr', restampedFixture('cdr', 'cdr.log', T0)).out)[0]!.msisdn;
    expect(lines[1]!.split(',')[5]).toBe(fromJson);
  });

  it('refuses a time without an offset (3GPP times carry one; a zone is not guessed)', () => {
    const line = cdrExampleLines(T0)[0]!.replace('+01:00"', '"');
    expect(anonymiseWith(env, 'cdr', line).stats.dropped.no_timestamp).toBe(1);
  });

  it('drops a CSV record whose quoted field holds a line break (both of its lines), never passing a part through', () => {
    const header = restampedFixture('cdr', 'cdr.csv', T0).split('\r\n')[0]!;
    const rec = restampedFixture('cdr', 'cdr.csv', T0).split('\r\n')[3]!.replace('roof"', 'roof\nnext to +46701234567"');
    const { out, stats } = anonymiseWith(env, 'cdr', `${header}\n${rec}\n`);
    expect(out).toEqual([]);
    expect(stats.dropped.unparsed).toBe(2);
  });

  it('reads CSV and JSON lines of one file, and keeps each segment\'s CSV header apart', () => {
    const a = makeAnonymiser(env, policyFrom(env, JSON.stringify({ input: { format: 'cdr' } }), 'json').config);
    const csv = restampedFixture('cdr', 'cdr.csv', T0).split('\r\n');
    const reordered = csv[0]!.split(',').reverse().join(',');
    const row = csv[1]!.split(',').reverse().join(',');
    a.pipeline.segment('one');
    runText(a, `${csv[0]}\n`);
    a.pipeline.segment('two');
    runText(a, `${reordered}\n${row}\n`);
    a.pipeline.segment('one');
    runText(a, `${csv[2]}\n${cdrExampleLines(T0)[0]}\n`);
    expect(a.stats.linesOut).toBe(3);
    expect(a.stats.dropped.unparsed).toBe(0);
  });

  it('normalises national numbers with a default country, and keeps short codes when asked', () => {
    const base = cdrExampleLines(T0)[0]!;
    const policy = { formats: { cdr: { fields: { msisdn: { transform: 'pseudonymise-number', default_country: 'SE' }, peer_msisdn: { transform: 'pseudonymise-number', keep_short: true } } } } };
    const [intl, national] = json(anonymiseWith(env, 'cdr', `${base}\n${base.replace('"+46701234567"', '"070-123 45 67"')}`, policy).out);
    expect(national!.msisdn).toBe(intl!.msisdn);
    const [sms] = json(anonymiseWith(env, 'cdr', cdrExampleLines(T0)[3]!, policy).out);
    expect(sms!.peer_msisdn).toBe('56161');
  });
});
