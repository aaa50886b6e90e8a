/**
 * The families of personal data the corpus plants (issue 8), and the
 * false-positive controls that must keep their value.
 *
 * Each family's `gen(rng, slot)` returns one planted value for one kind of
 * place (`slot`):
 * - `query`  → `{ pairs: [[name, value]] }` (raw, the line builder encodes)
 * - `path`   → `{ path: '/x/…/y' }` (raw segments, the builder encodes)
 * - `text`   → `{ text }` a free-text message
 * - `user`   → `{ user }` a remote_user / user_id value
 * - `number` → `{ key, num }` a JSON number (digits only)
 * - `xff`    → `{ xff }` an X-Forwarded-For value
 * - `ua`     → `{ ua }` a user agent
 * - `url`    → `{ url }` a whole URL carrying the value (URL credentials)
 * - `kept`   → `{ key, kind }` a field the policy keeps (adversarial: the
 *   issue's "kept fields fail open")
 * In every string the planted parts appear as sentinels (`\u0001` for part
 * 0, `\u0002` for part 1), so the line can be rendered with each part
 * either present or replaced by a placeholder. `cores` say what identifies
 * the person (see normalise.mjs).
 */
import { FIRST_NAMES, IDN_DOMAINS, LAST_NAMES, PLAIN_DOMAINS } from './data.mjs';
import { fold, ibanValid, luhnCheckDigit, luhnValid, makeIban, makeIccid, makeImei, makePnr, makeUuid, punycodeDomain } from './ids.mjs';

export const P0 = '\u0001';
export const P1 = '\u0002';

/** Unicode spaces phone numbers and personal numbers turn up with. */
export const USPACES = [
  ['nbsp', '\u00a0'],
  ['narrow-nbsp', '\u202f'],
  ['thin', '\u2009'],
  ['figure', '\u2007'],
  ['en-space', '\u2002'],
];

/** @typedef {import('./rng.mjs').Rng} Rng */
/** @typedef {import('./normalise.mjs').Core} Core */
/**
 * @typedef {{ variant: string, parts: string[], cores: Core[], frag: Record<string, any>, numeric?: boolean, detail?: Record<string, string> }} Planted
 * @typedef {{ weight: number, slots: Record<string, number>, gen: (rng: Rng, slot: string) => Planted }} Family
 */

/** @param {string} s */
export const lc = (s) => s.normalize('NFKC').toLowerCase();
/** A core found whole in the plain (decoded, lower-cased) views. */
export const text = (v, partial = false) => ({ kind: 'text', value: lc(v), partial });
/** A core found in the joined views (separators dropped). */
export const joined = (v, partial = false) => ({ kind: 'joined', value: lc(v).replace(/[\s\-–−./()+_:']/g, ''), partial });

// ---------------------------------------------------------------- people

/**
 * A made-up person.
 * @param {Rng} rng
 */
export function person(rng) {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  return { first, last, full: `${first} ${last}` };
}

/**
 * A user name as people pick them (`anna.svensson`, `asvensson`, `anna_s`, `björn82`).
 * @param {Rng} rng
 * @param {{ first: string, last: string }} p
 * @param {boolean} ascii fold to ASCII
 */
export function userName(rng, p, ascii) {
  const f = ascii ? fold(p.first) : p.first.toLowerCase();
  const l = ascii ? fold(p.last) : p.last.toLowerCase();
  return rng.weighted([
    [5, `${f}.${l}`],
    [2, `${f[0]}${l}`],
    [2, `${f}${l}`],
    [2, `${f}_${l}`],
    [1, `${f}-${l}`],
    [1, `${f}.${l[0]}`],
    [1, `${f}${rng.int(10, 99)}`],
    [1, `${l}.${f}`],
  ]);
}

/**
 * An e-mail address of a made-up person: ASCII or non-ASCII local part,
 * plain or internationalised domain, sometimes in punycode or upper case.
 * @param {Rng} rng
 */
export function makeEmail(rng) {
  const p = person(rng);
  const nonAsciiLocal = rng.chance(0.3) && /[^a-z]/i.test(p.first + p.last);
  let local = userName(rng, p, !nonAsciiLocal);
  if (rng.chance(0.1)) local += `+${rng.pick(['news', 'shop', 'test', 'kvitto'])}`;
  const idn = rng.chance(0.3);
  const domain = idn ? rng.pick(IDN_DOMAINS) : rng.pick(PLAIN_DOMAINS);
  const puny = idn && rng.chance(0.3);
  let written = `${local}@${puny ? punycodeDomain(domain) : domain}`;
  const upper = rng.chance(0.08);
  if (upper) written = written.replace(/^./, (c) => c.toUpperCase()).replace(/\.(.)/, (_m, c) => `.${c.toUpperCase()}`);
  const variant = [nonAsciiLocal ? 'nonascii-local' : 'ascii-local', idn ? (puny ? 'idn-punycode' : 'idn') : 'plain-domain', upper ? 'mixed-case' : '']
    .filter(Boolean)
    .join('+');
  /** @type {Core[]} */
  const cores = [text(`${local}@${domain}`)];
  if (puny) cores.push(text(`${local}@${punycodeDomain(domain)}`));
  if ([...local].length >= 5) cores.push(text(local, true));
  return { written, local, domain, variant, cores, person: p };
}

// ---------------------------------------------------------------- phone

/**
 * @typedef {{ id: string, cc: string, trunk: string, w: number, nsn: (r: Rng) => string, groups: number[][], us?: boolean }} PhonePlan
 */
/** @type {PhonePlan[]} */
export const PHONE_PLANS = [
  { id: 'se-mobile', cc: '46', trunk: '0', w: 12, nsn: (r) => r.pick(['70', '72', '73', '76', '79']) + r.digits(7), groups: [[2, 3, 2, 2]] },
  { id: 'se-stockholm', cc: '46', trunk: '0', w: 3, nsn: (r) => '8' + r.digits(r.chance(0.5) ? 7 : 8), groups: [[1, 3, 2, 2], [1, 3, 3, 2]] },
  { id: 'se-regional', cc: '46', trunk: '0', w: 2, nsn: (r) => r.pick(['31', '40', '18', '13', '90']) + r.digits(6), groups: [[2, 2, 2, 2]] },
  { id: 'no', cc: '47', trunk: '', w: 2, nsn: (r) => r.pick(['4', '9']) + r.digits(7), groups: [[3, 2, 3], [2, 2, 2, 2]] },
  { id: 'dk', cc: '45', trunk: '', w: 2, nsn: (r) => r.pick(['2', '3', '4', '5', '6']) + r.digits(7), groups: [[2, 2, 2, 2]] },
  { id: 'fi', cc: '358', trunk: '0', w: 2, nsn: (r) => r.pick(['40', '50', '44', '45']) + r.digits(7), groups: [[2, 3, 4], [2, 7]] },
  { id: 'de-mobile', cc: '49', trunk: '0', w: 2, nsn: (r) => r.pick(['151', '152', '160', '170', '176']) + r.digits(8), groups: [[3, 8], [3, 4, 4]] },
  { id: 'de-berlin', cc: '49', trunk: '0', w: 1, nsn: (r) => '30' + r.digits(8), groups: [[2, 8], [2, 4, 4]] },
  { id: 'uk-mobile', cc: '44', trunk: '0', w: 2, nsn: (r) => '7' + r.pick(['700', '400', '911', '123']) + r.digits(6), groups: [[4, 6]] },
  { id: 'uk-london', cc: '44', trunk: '0', w: 1, nsn: (r) => '20' + r.pick(['7', '3', '8']) + r.digits(7), groups: [[2, 4, 4]] },
  { id: 'us', cc: '1', trunk: '', w: 2, nsn: (r) => r.pick(['212', '415', '617', '646', '312', '206']) + r.int(2, 9) + r.digits(6), groups: [[3, 3, 4]], us: true },
  { id: 'fr', cc: '33', trunk: '0', w: 1, nsn: (r) => r.pick(['6', '7']) + r.digits(8), groups: [[1, 2, 2, 2, 2]] },
  { id: 'nl', cc: '31', trunk: '0', w: 1, nsn: (r) => '6' + r.digits(8), groups: [[1, 8], [1, 2, 3, 3]] },
  { id: 'pl', cc: '48', trunk: '', w: 1, nsn: (r) => r.pick(['5', '6', '7', '8']) + r.digits(8), groups: [[3, 3, 3]] },
  { id: 'es', cc: '34', trunk: '', w: 1, nsn: (r) => r.pick(['6', '7']) + r.digits(8), groups: [[3, 3, 3], [3, 2, 2, 2]] },
  { id: 'it', cc: '39', trunk: '', w: 1, nsn: (r) => '3' + r.digits(9), groups: [[3, 3, 4]] },
];

/** @param {string} s @param {number[]} g */
export function splitGroups(s, g) {
  const out = [];
  let at = 0;
  for (const n of g) {
    out.push(s.slice(at, at + n));
    at += n;
  }
  return out;
}

/**
 * A phone number written in one of the ways people and systems write them.
 * @param {Rng} rng
 * @param {'any' | 'compact'} kind compact: no separators (user names, numbers, ports)
 */
export function makePhone(rng, kind = 'any') {
  const plan = rng.weighted(PHONE_PLANS.map((p) => [p.w, p]));
  const nsn = plan.nsn(rng);
  const fits = plan.groups.filter((g) => g.reduce((a, b) => a + b, 0) === nsn.length);
  const gs = splitGroups(nsn, fits.length > 0 ? rng.pick(fits) : [nsn.length]);
  const cc = plan.cc;
  const t = plan.trunk;
  const head = t + gs[0];
  const rest = gs.slice(1);
  /** @type {[number, string, () => string][]} */
  const styles =
    kind === 'compact'
      ? [
          [4, 'msisdn', () => cc + nsn],
          [2, 'intl-compact', () => `+${cc}${nsn}`],
          [2, 'national-compact', () => t + nsn],
          [1, 'intl-00-compact', () => `00${cc}${nsn}`],
        ]
      : [
          [4, 'intl-space', () => `+${cc} ${gs.join(' ')}`],
          [3, 'intl-compact', () => `+${cc}${nsn}`],
          [2, 'intl-00', () => `00${cc} ${gs.join(' ')}`],
          [3, 'msisdn', () => cc + nsn],
          [2, 'intl-dash', () => `+${cc}-${gs.join('-')}`],
          [1, 'tel-uri', () => `tel:+${cc}-${gs.join('-')}`],
          ...(t !== ''
            ? /** @type {[number, string, () => string][]} */ ([
                [3, 'intl-trunk-paren', () => `+${cc} (0)${gs.join(' ')}`],
                [2, 'intl-trunk-paren-dash', () => `+${cc} (0)${gs[0]}-${rest.join(' ')}`],
                [4, 'national-dash', () => `${head}-${rest.join(' ')}`],
                [3, 'national-space', () => `${head} ${rest.join(' ')}`],
                [3, 'national-compact', () => t + nsn],
                [2, 'national-slash', () => `${head}/${rest.join(' ')}`],
                [2, 'national-dots', () => `${head}.${rest.join('.')}`],
                [2, 'national-paren', () => `(${head}) ${rest.join(' ')}`],
                [2, 'national-endash', () => `${head}–${rest.join(' ')}`],
                [1, 'national-dash-compact', () => `${head}-${rest.join('')}`],
              ])
            : /** @type {[number, string, () => string][]} */ ([
                [3, 'national-space', () => gs.join(' ')],
                [2, 'national-compact', () => nsn],
                [2, 'national-dash', () => gs.join('-')],
                [1, 'national-dots', () => gs.join('.')],
              ])),
          ...(plan.us
            ? /** @type {[number, string, () => string][]} */ ([
                [3, 'us-paren', () => `(${gs[0]}) ${gs[1]}-${gs[2]}`],
                [2, 'us-1-dash', () => `1-${gs.join('-')}`],
                [2, 'us-intl-paren', () => `+1 (${gs[0]}) ${gs[1]}-${gs[2]}`],
              ])
            : []),
        ];
  const [, style, render] = rng.weighted(styles.map((s) => [s[0], s]));
  let written = render();
  let variant = style;
  if (kind !== 'compact' && written.includes(' ') && rng.chance(0.3)) {
    const [name, sp] = rng.pick(USPACES);
    written = rng.chance(0.5) ? written.replaceAll(' ', sp) : written.replace(' ', sp);
    variant += `+${name}`;
  }
  return { written, nsn, cc, variant, detail: { plan: plan.id }, cores: [joined(nsn, nsn.length >= 10)] };
}

// ---------------------------------------------------------------- personal numbers

/**
 * A personal identity number written one of the ways it turns up.
 * @param {Rng} rng
 * @param {'any' | 'compact'} kind
 */
export function makePnrText(rng, kind = 'any') {
  const p = makePnr(rng);
  const yy = p.yyyy.slice(2);
  const d6 = yy + p.mm + p.dd;
  const d8 = p.yyyy + p.mm + p.dd;
  const tail = p.serial + p.check;
  /** @type {[number, string, () => string][]} */
  const styles =
    kind === 'compact'
      ? [
          [3, 'long-compact', () => d8 + tail],
          [2, 'short-compact', () => d6 + tail],
          [2, 'short-dash', () => `${d6}${p.plus ? '+' : '-'}${tail}`],
          [1, 'long-dash', () => `${d8}-${tail}`],
        ]
      : [
          [5, 'short-dash', () => `${d6}${p.plus ? '+' : '-'}${tail}`],
          [3, 'short-compact', () => d6 + tail],
          [4, 'long-dash', () => `${d8}-${tail}`],
          [3, 'long-compact', () => d8 + tail],
          [2, 'en-dash', () => `${d6}–${tail}`],
          [2, 'minus-sign', () => `${d6}−${tail}`],
          [1, 'long-en-dash', () => `${d8}–${tail}`],
          [2, 'space', () => `${d6} ${tail}`],
          [2, 'nbsp', () => `${d6}\u00a0${tail}`],
          [1, 'long-nbsp', () => `${d8}\u00a0${tail}`],
          [2, 'iso-date', () => `${p.yyyy}-${p.mm}-${p.dd}-${tail}`],
          [1, 'dots', () => `${yy}.${p.mm}.${p.dd}-${tail}`],
          [1, 'long-dots', () => `${p.yyyy}.${p.mm}.${p.dd}-${tail}`],
          [1, 'slash', () => `${d6}/${tail}`],
          [1, 'long-slash', () => `${d8}/${tail}`],
          [1, 'spaced-date', () => `${yy} ${p.mm} ${p.dd}-${tail}`],
          ...(p.plus ? /** @type {[number, string, () => string][]} */ ([[3, 'plus-centenarian', () => `${d6}+${tail}`]]) : []),
        ];
  const [, style, render] = rng.weighted(styles.map((s) => [s[0], s]));
  const detail = { kind: Number(p.dd) > 60 ? 'coordination number' : 'personal identity number' };
  return { written: render(), ten: p.ten, century: p.yyyy.slice(0, 2), variant: style, detail, cores: [joined(p.ten, true)] };
}

// ---------------------------------------------------------------- secrets

/** @param {Rng} rng */
export function makePassword(rng) {
  const word = rng.pick(['Vinter', 'Sommar', 'Hösten', 'Våren', 'Kalle', 'Fotboll', 'Lösen', 'Hemligt', 'Summer', 'Winter', 'Monkey', 'Dragon', 'Solros', 'Älgen', 'Bamse', 'Qwerty']);
  const num = rng.pick([String(rng.int(2019, 2026)), String(rng.int(10, 99)), String(rng.int(1, 9)), rng.digits(3)]);
  const sym = rng.pick(['', '!', '#', '?', '.', '%', '&', '@', '$', '+', '*', ' ', ':', '/']);
  const pw = rng.weighted([
    [5, word + num + sym],
    [2, word + sym + num],
    [1, (sym === ' ' ? '#' : sym) + word.toLowerCase() + num],
    [1, `${word}${sym}${word.toLowerCase()}${num}`],
  ]);
  // `%20` inside a password would read as an escape once in a URL: the value would be ambiguous.
  return pw.replace(/%(?=[0-9A-Fa-f]{2})/g, '#');
}

/** @param {Rng} rng @param {number} lo @param {number} hi */
export function makeToken(rng, lo, hi) {
  const n = rng.int(lo, hi);
  let s = '';
  do s = rng.chars(n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
  while (!/\d/.test(s) || !/[a-z]/i.test(s));
  return s;
}

/** @param {string} s */
export const base64 = (s) => Buffer.from(s, 'utf8').toString('base64');

// ---------------------------------------------------------------- IPs

export const V4_FIRST = [81, 90, 85, 83, 193, 194, 78, 46, 31, 155, 213, 217, 62, 188, 95, 109, 176];

/** @param {Rng} rng @returns {[number, number, number, number]} */
export function makeV4(rng) {
  return [rng.pick(V4_FIRST), rng.int(0, 255), rng.int(0, 255), rng.int(1, 254)];
}

/** @param {Rng} rng @returns {number[]} */
export function makeV6(rng) {
  const prefixes = [[0x2a02, 0x8108], [0x2001, 0x6b0], [0x2a00, 0x801], [0x2a01, 0x4f8], [0x2001, 0x9b0]];
  const [a, b] = rng.pick(prefixes);
  const g = [a, b];
  for (let k = 0; k < 6; k++) g.push(rng.int(k === 5 ? 1 : 0, 0xffff));
  return g;
}

/** @param {number[]} g @param {boolean} compress */
export function v6Text(g, compress) {
  const h = g.map((x) => x.toString(16));
  if (!compress) return h.join(':');
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
  }
  if (best < 0) return h.join(':');
  return `${h.slice(0, best).join(':')}::${h.slice(best + bestLen).join(':')}`;
}

// ---------------------------------------------------------------- families

/**
 * Sentences around a planted value, by family, in the languages a Swedish
 * operator's logs are written in.
 */
export const SENTENCES = {
  phone: [
    'SMS sent to \u0001', 'Ring mig på \u0001 efter 17', 'callback requested: \u0001', 'Verifieringskod skickad till \u0001',
    'failed to deliver to msisdn \u0001: absent subscriber', 'kunden uppgav telefon \u0001', 'incoming call from \u0001 (duration 42s)',
    'otp sent number=\u0001', 'Twilio webhook From=\u0001 Body=hej', 'user updated phone to \u0001', 'Kontakt: \u0001', 'tel. \u0001, växel',
  ],
  pnr: [
    'Hämtar journal för \u0001', 'Lookup of \u0001 failed: not found', 'BankID collect ok personalNumber=\u0001', 'Skatteverket svar för \u0001: 200',
    'duplicate customer \u0001', 'pnr\u0001 saknas i registret', 'pnr:\u0001 verifierad', 'Pnr \u0001 spärrad', 'personnummer=\u0001 ogiltigt',
    'personnr \u0001 hittades inte', 'ssn \u0001 mismatch', 'Intyg skapat för \u0001',
  ],
  email: [
    'password reset requested for \u0001', 'Mail till \u0001 studsade (550 user unknown)', 'login failed for user \u0001',
    'invitation sent to <\u0001>', 'smtp: RCPT TO:<\u0001> rejected', 'ny användare registrerad: \u0001', 'duplicate account email=\u0001',
    'From: <\u0001>', 'newsletter optout \u0001', 'kvitto skickat till \u0001',
  ],
  ip: [
    'reverse DNS for client: \u0001', 'upstream \u0001 timed out', 'connect() to \u0001 failed (111: Connection refused)', 'blocked by WAF: \u0001',
    'PTR query \u0001', 'ssh login from \u0001', 'geoip lookup for \u0001', 'rate limit exceeded for \u0001', 'client \u0001 closed keepalive connection',
  ],
  imei: ['IMEI \u0001 blocked after 3 failed attempts', 'device \u0001 checked in', 'push token registered for device \u0001', 'enhet \u0001 kopplad', 'imei=\u0001 not whitelisted'],
  imsi: ['roaming IMSI \u0001 attached', 'subscriber \u0001 attached to cell 4711', 'HLR lookup imsi \u0001 ok'],
  iccid: ['SIM \u0001 activated', 'SIM-kort \u0001 spärrat', 'eSIM profile for ICCID \u0001 downloaded'],
  mac: ['modem \u0001 registered', 'DHCPACK on 10.0.0.17 to \u0001 via eth0', 'wifi station \u0001 associated', 'device \u0001 checked in', 'enhet \u0001 kopplad'],
  adid: ['attribution: idfa=\u0001 campaign=var2026', 'ad id \u0001 opted out', 'install attributed to device \u0001'],
  location: [
    'user location \u0001, \u0002', 'geo:\u0001,\u0002', 'pickup at lat=\u0001 lng=\u0002', 'position {"lat":\u0001,"lng":\u0002}',
    'GPS fix \u0001 \u0002 accuracy 5m', 'hämtning vid \u0001,\u0002', 'nearest store for (\u0001, \u0002)',
  ],
  dob: [
    'född \u0001', 'dob: \u0001', 'date of birth \u0001 does not match', 'birthDate=\u0001', 'customer birthday \u0001, age check failed',
    'Födelsedatum: \u0001', 'DOB \u0001 verified',
  ],
  iban: [
    'Överföring till \u0001 misslyckades', 'SEPA credit transfer to IBAN \u0001 rejected', 'refund to \u0001 queued',
    'kontonummer \u0001 verifierat', 'payout account changed to \u0001',
  ],
};

/** Query parameter names per family: some on gallra's sensitive list today, many not. */
export const PARAMS = {
  phone: ['phone', 'tel', 'telefon', 'mobile', 'mobil', 'msisdn', 'to', 'from', 'number', 'nr', 'callback', 'contact', 'recipient_number', 'telefonnummer', 'mobilnummer', 'phoneNumber', 'cell', 'sms_to', 'ani', 'caller_id', 'q'],
  pnr: ['pnr', 'personnummer', 'personnr', 'ssn', 'pn', 'id', 'personalNumber', 'personal_number', 'nin', 'q', 'subject', 'patientId', 'kundnr', 'identity', 'orgOrPnr'],
  email: ['email', 'e-mail', 'mail', 'epost', 'login_hint', 'u', 'user', 'to', 'recipient', 'contact', 'username', 'q', 'emailAddress', 'subscriber', 'invitee', 'cc', 'reply_to', 'customer'],
  ip: ['ip', 'addr', 'client', 'host', 'remote', 'peer', 'source', 'src', 'hostname', 'name', 'target', 'origin_ip', 'x_real_ip'],
  imei: ['imei', 'device_id', 'deviceId', 'did', 'hwid'],
  imsi: ['imsi', 'subscriber', 'sub'],
  iccid: ['iccid', 'sim', 'simId'],
  mac: ['mac', 'hwaddr', 'client_mac', 'ap_mac', 'macaddr', 'sta', 'id'],
  adid: ['idfa', 'gaid', 'adid', 'aaid', 'rdid', 'advertising_id', 'ifa', 'maid'],
  dob: ['dob', 'birthdate', 'birth_date', 'date_of_birth', 'dateOfBirth', 'fodelsedatum', 'födelsedatum', 'birthday', 'bday', 'fdatum'],
  iban: ['iban', 'account', 'konto', 'to_account', 'payee_iban', 'bankAccount', 'creditor_account', 'mottagare'],
};

export const PATHS = {
  phone: ['/sms/\u0001/status', '/api/v1/subscribers/\u0001/balance', '/contacts/\u0001', '/call/\u0001', '/tel/\u0001', '/api/otp/\u0001/verify', '/kund/telefon/\u0001'],
  pnr: ['/patients/\u0001/journal', '/api/person/\u0001', '/kund/\u0001/engagemang', '/bankid/collect/\u0001', '/api/v1/folkbokforing/\u0001', '/intyg/\u0001.pdf'],
  email: ['/users/\u0001/profile', '/unsubscribe/\u0001', '/newsletter/optout/\u0001', '/api/v2/accounts/\u0001/settings', '/@\u0001', '/invite/\u0001/accept', '/konto/\u0001'],
  ip: ['/api/v1/geoip/\u0001', '/whois/\u0001', '/lookup/\u0001', '/api/hosts/\u0001/status'],
  device: ['/devices/\u0001/', '/api/sim/\u0001/activate', '/provision/\u0001.cfg', '/ztp/\u0001', '/api/v1/push/register/\u0001', '/SEP\u0001.cnf.xml'],
  iban: ['/api/accounts/\u0001/balance', '/payees/\u0001'],
};

/** @type {Record<string, Family>} */
