/**
 * Subscriber numbering written one way before it is pseudonymised, so one
 * subscriber or device gets one pseudonym however the record wrote it:
 *
 * - MSISDN: E.164 digits without `+` (3GPP CDRs carry them so: TBCD digits,
 *   no `+`). Separators go; a leading `+` or `00` (the international
 *   prefix) goes; a national number with its trunk `0` becomes E.164 with
 *   the configured country (libphonenumber-js); digits without either are
 *   taken as international already. So `+46701234567`, `0046701234567`,
 *   `46701234567` and, with country SE, `070-123 45 67` are one number.
 * - IMSI: its digits.
 * - IMEI / IMEISV: TAC + serial number, the first 14 digits — an IMEI's
 *   check digit and an IMEISV's software version do not name another device,
 *   so a device's IMEI and IMEISV get one pseudonym.
 */
import { createRequire } from 'node:module';

export type NumberKind = 'msisdn' | 'imsi' | 'imei';

type ParsePhone = (text: string, country: string) => { number: string; isValid(): boolean } | undefined;

let parsePhone: ParsePhone | undefined;

/** libphonenumber-js, loaded on first need (only a policy with a default_country needs it). */
function phoneParser(): ParsePhone {
  if (parsePhone === undefined) {
    const lib = createRequire(import.meta.url)('libphonenumber-js/min') as { parsePhoneNumberFromString: ParsePhone };
    parsePhone = lib.parsePhoneNumberFromString;
  }
  return parsePhone;
}

/** Whether libphonenumber-js knows `country` (an ISO 3166-1 alpha-2 code). */
export function knownCountry(country: string): boolean {
  const lib = createRequire(import.meta.url)('libphonenumber-js/min') as { isSupportedCountry(c: string): boolean };
  return lib.isSupportedCountry(country);
}

/**
 * The canonical form of a number of `kind`.
 *
 * @example
 * normaliseNumber('msisdn', '+46 70-123 45 67', undefined) // '46701234567'
 * normaliseNumber('imei', '353459071234562', undefined)     // '35345907123456'
 */
export function normaliseNumber(kind: NumberKind, v: string, country: string | undefined): string {
  const digits = v.replace(/[\s\-.()/]/g, '');
  switch (kind) {
    case 'msisdn': {
      if (digits.startsWith('+')) return digits.slice(1);
      if (digits.startsWith('00')) return digits.slice(2);
      if (country !== undefined && digits.startsWith('0')) {
        const p = phoneParser()(digits, country);
        if (p !== undefined) return p.number.slice(1);
      }
      return digits;
    }
    case 'imsi':
      return digits;
    case 'imei':
      return /^\d{14,16}$/.test(digits) ? digits.slice(0, 14) : digits;
  }
}
