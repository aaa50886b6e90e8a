/** `pseudonymise-number`: one subscriber or device, one pseudonym, however the record wrote the number. */
import { describe, expect, it } from 'vitest';
import { normaliseNumber } from '../../src/transforms/pseudonymise-number/normalise.js';
import { pseudonymiseNumberTransform } from '../../src/transforms/pseudonymise-number/index.js';

describe('pseudonymise-number', () => {
  it('writes an MSISDN as E.164 digits: + and 00 and separators go', () => {
    for (const v of ['+46701234567', '46701234567', '0046701234567', '+46 70-123 45 67', '+46 (70) 123.45.67']) expect(normaliseNumber('msisdn', v, undefined), v).toBe('46701234567');
  });

  it('converts a national number with its trunk 0 only when a country is configured', () => {
    expect(normaliseNumber('msisdn', '070-123 45 67', 'SE')).toBe('46701234567');
    expect(normaliseNumber('msisdn', '0701234567', undefined)).toBe('0701234567');
    expect(normaliseNumber('msisdn', '020 7946 0958', 'GB')).toBe('442079460958');
  });

  it('takes TAC and serial of an IMEI or IMEISV, the digits of an IMSI', () => {
    expect(normaliseNumber('imei', '353459071234562', undefined)).toBe('35345907123456');
    expect(normaliseNumber('imei', '3534590712345601', undefined)).toBe('35345907123456');
    expect(normaliseNumber('imei', '35-345907-123456-2', undefined)).toBe('35345907123456');
    expect(normaliseNumber('imsi', '240 01 1234567890', undefined)).toBe('240011234567890');
  });

  it('takes its kind from the field\'s role and refuses an unknown country', () => {
    expect(pseudonymiseNumberTransform.describe!({}, { name: 'imeisv', role: 'imei' })).toContain('imei');
    expect(pseudonymiseNumberTransform.options.default_country!.safeParse('SE').success).toBe(true);
    expect(pseudonymiseNumberTransform.options.default_country!.safeParse('XX').success).toBe(false);
  });
});
