/**
 * Identifier arithmetic for the corpus: check digits (Luhn, ISO 7064
 * mod 97-10), personal identity numbers, device ids, ASCII folding.
 */
import { domainToASCII } from 'node:url';

/**
 * The Luhn check digit for `digits` (the check digit to append).
 * @param {string} digits
 * @returns {number}
 * @example luhnCheckDigit('7992739871') // 3
 */
export function luhnCheckDigit(digits) {
  let sum = 0;
  for (let i = digits.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** @param {string} digits @returns {boolean} whether the last digit is a valid Luhn check digit */
export function luhnValid(digits) {
  return luhnCheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}

/**
 * IBAN check digits (ISO 13616: mod 97-10 over BBAN + country + "00").
 * @param {string} country two letters
 * @param {string} bban
 * @returns {string} two digits
 */
export function ibanCheck(country, bban) {
  const s = (bban + country + '00').toUpperCase();
  let rem = 0;
  for (const ch of s) {
    const v = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return String(98 - rem).padStart(2, '0');
}

/** @param {string} iban @returns {boolean} */
export function ibanValid(iban) {
  const s = iban.replace(/\s/g, '').toUpperCase();
  const r = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of r) {
    const v = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

const FOLD = { å: 'a', ä: 'a', ö: 'o', é: 'e', è: 'e', ü: 'u', ł: 'l', ś: 's', í: 'i', ø: 'o', ë: 'e', æ: 'ae', ñ: 'n', ó: 'o', á: 'a', ć: 'c', ž: 'z', š: 's' };

/**
 * Lower-case ASCII form of a name part, as people write it in e-mail
 * addresses and user names (`Åsa Öberg` → `asa`, `oberg`).
 * @param {string} s
 */
export function fold(s) {
  return [...s.toLowerCase()].map((c) => FOLD[c] ?? c).join('').replace(/[^a-z0-9]/g, '');
}

/** @param {string} domain @returns {string} the punycode (ACE) form */
export function punycodeDomain(domain) {
  return domainToASCII(domain);
}

/**
 * A Swedish personal identity number's parts. Born 1921–2007; one in ten
 * is a coordination number (day + 60).
 * @param {import('./rng.mjs').Rng} rng
 * @returns {{ yyyy: string, mm: string, dd: string, serial: string, check: string, ten: string, plus: boolean }}
 */
export function makePnr(rng) {
  const year = rng.chance(0.04) ? rng.int(1918, 1925) : rng.int(1935, 2007);
  const month = rng.int(1, 12);
  const day = rng.int(1, new Date(Date.UTC(year, month, 0)).getUTCDate());
  const coord = rng.chance(0.1);
  const yyyy = String(year);
  const mm = String(month).padStart(2, '0');
  const dd = String(coord ? day + 60 : day).padStart(2, '0');
  const serial = rng.digits(3);
  const nine = yyyy.slice(2) + mm + dd + serial;
  const check = String(luhnCheckDigit(nine));
  return { yyyy, mm, dd, serial, check, ten: nine + check, plus: year < 1926 };
}

/**
 * A 15-digit IMEI (8-digit type allocation code, 6-digit serial, Luhn).
 * @param {import('./rng.mjs').Rng} rng
 */
export function makeImei(rng) {
  const tac = rng.pick(['35693803', '35209900', '35332510', '86753103', '01332700', '35875110', '35391510', '86891404']);
  const body = tac + rng.digits(6);
  return body + String(luhnCheckDigit(body));
}

/**
 * A 19-digit ICCID (89 telecom, 46 Sweden, issuer, serial, Luhn).
 * @param {import('./rng.mjs').Rng} rng
 */
export function makeIccid(rng) {
  const body = '8946' + rng.pick(['01', '02', '07', '08', '20']) + rng.digits(12);
  return body + String(luhnCheckDigit(body));
}

/**
 * An IBAN with a valid checksum, in compact form.
 * @param {import('./rng.mjs').Rng} rng
 * @returns {{ iban: string, country: string, bban: string }}
 */
export function makeIban(rng) {
  const specs = [
    ['SE', () => rng.pick(['500', '800', '600', '300', '957']) + rng.digits(17)],
    ['DE', () => rng.digits(18)],
    ['GB', () => rng.pick(['NWBK', 'BARC', 'HBUK', 'MIDL']) + rng.digits(14)],
    ['NO', () => rng.digits(11)],
    ['DK', () => rng.digits(14)],
    ['FI', () => rng.digits(14)],
    ['NL', () => rng.pick(['ABNA', 'INGB', 'RABO']) + rng.digits(10)],
    ['FR', () => rng.digits(10) + rng.chars(11, '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ') + rng.digits(2)],
  ];
  const [country, bbanFn] = rng.weighted(specs.map((s, k) => [k === 0 ? 4 : 1, s]));
  const bban = bbanFn();
  return { iban: country + ibanCheck(country, bban) + bban, country, bban };
}

/**
 * A UUID v4 (advertising ids are these: IDFA upper case, GAID lower).
 * @param {import('./rng.mjs').Rng} rng
 */
export function makeUuid(rng) {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rng.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
