/**
 * What a parameter name or a label says about the value beside it — by its
 * words, not by substring. `access_token`, `userEmail` and `phone_number`
 * carry identifiers; `max_tokens`, `emailVerified`, `phone_type` and
 * `author` do not, although a substring match finds `token`, `email`,
 * `phone` and `auth` in them.
 *
 * A name is split into words (`-_.[]`, spaces, camelCase, letter/digit
 * boundaries), trailing generic words (`id`, `number`, `address`…) are
 * set aside, and the last remaining word — the head, as in English
 * compounds — decides: `user_email` is an e-mail, `email_verified` a flag.
 * Some words are sensitive wherever they appear (`password_confirm`,
 * `new_pwd`, `auth_code`); glued lower-case names (`accesstoken`,
 * `useremail`) are matched by suffix.
 *
 * The result is a verdict: an action for the value (low 4 bits) and label
 * flags that give number detectors their context (an order number beside
 * `order`, a timestamp beside `ts`). Computed once per distinct name and
 * cached by {@link NameTable}.
 */

// ---- value actions (low 4 bits) ----
export const A_NONE = 0;
/** On the allow-list: the value is kept (and still passes the detectors). */
export const A_ALLOW = 1;
export const A_SENSITIVE = 2;
/** A password, PIN, key or token. */
export const A_CREDENTIAL = 3;
/** `code`, `state`: redacted only when the value looks like a token (`code=SE` stays). */
export const A_WEAK = 4;
/** A person's name. */
export const A_NAME = 5;
export const A_BIRTHDATE = 6;
/** Latitude or longitude: coarsened, not removed. */
export const A_LOCATION = 7;
/** A Cookie / Set-Cookie header: every cookie value goes, names and attributes stay. */
export const A_COOKIE = 8;
/** An Authorization header: the scheme stays, the credentials go. */
export const A_AUTH = 9;
/** A custom parameter rule of the policy; its index is in bits 24 and up. */
export const A_CUSTOM = 10;
export const ACTION_MASK = 0xf;

// ---- label flags: context for the number and address detectors ----
export const L_TIME = 1 << 4;
/** An order, invoice, build or other record number: not a phone, card or device id. */
export const L_ID = 1 << 5;
export const L_PNR = 1 << 6;
export const L_PHONE = 1 << 7;
export const L_IP = 1 << 8;
export const L_MAC = 1 << 9;
export const L_IMEI = 1 << 10;
export const L_IMSI = 1 << 11;
export const L_ICCID = 1 << 12;
export const L_VERSION = 1 << 13;
export const L_CARD = 1 << 14;
/** Set beside A_ALLOW when the name is a location's: an allow-listed latitude is still coarsened. */
export const F_LOCATION = 1 << 15;
/** A birth date label (`born`, `DOB`, `född`, `date of birth`): a date after it is one. */
export const L_BIRTH = 1 << 16;
/** Weak network context (`from`, `to`, `query`, `lookup`): an integer outside the range of timestamps is an address. */
export const L_NET = 1 << 17;
/** The label bits of a verdict (everything between the action and the custom index). */
export const LABEL_BITS = 0xfffff0;
export const CUSTOM_SHIFT = 24;

const set = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter((w) => w.length > 0));

/** Sensitive wherever they appear in a name, also inside a glued word (`newpassword`). */
const STRONG_SUBSTRINGS = [
  'password', 'passwd', 'passwort', 'passphrase', 'passcode', 'losenord', 'lösenord', 'secret', 'credential', 'apikey',
  'accesskey', 'privatekey', 'secretkey', 'sessionid', 'sessid', 'jsession', 'signature', 'bearer', 'personnummer', 'cardnumber',
  'ccnum', 'msisdn', 'csrf', 'xsrf', 'saml', 'refreshtoken', 'accesstoken', 'idtoken',
];
/** Sensitive as a whole word anywhere in a name (`auth_code`, `pin_hash`, `new_pwd`). */
const STRONG_WORDS = set('pinkod pincode pinkode pinnummer sid cookie pwd pw pass pin otp totp hotp sig jwt auth ssn pnr personnr cvv cvc cvv2 cvc2 nonce iban imei imsi iccid idfa gaid adid aaid udid hmac verifier');
/** Sensitive as the head of a name: the last word after generic ones are set aside. */
const HEAD_WORDS = set(
  'email mail epost e-post phone mobile mobil tel telephone telefon cell cellphone fax user username login uid userid account customer member visitor session token ticket secret address street recipient sender device advertising subscriber contact patient employee owner',
);
/** Person names: `[name]`. */
const NAME_GLUED = set('firstname lastname fullname givenname familyname surname displayname nickname realname screenname middlename maidenname loginhint fornamn efternamn namn');
/** Modifiers that make `… name` a person's name (`file_name`, `host_name` are not). */
const NAME_MODIFIERS = set('first last given family full display nick real user account customer contact person member sur middle maiden screen login recipient sender owner patient employee');
/** Words set aside at the end of a name before the head is read. */
const GENERIC_TAIL = set('id ids number num no nr nbr value val hash str string text raw addr address list');
/** `key` is sensitive alone or after one of these (`sort_key`, `cache_key` are not). */
const KEY_MODIFIERS = set('api access secret private auth encryption signing license licence product client app master session subscription x');
const TIME_WORDS = set('ts time timestamp date datetime epoch exp expires expiry expiration iat nbf created updated modified deleted since until start end ms millis msec sec seconds duration elapsed uptime ttl');
const ID_WORDS = set('transaktion ordernummer fakturanummer bestallning beställning bokning arende ärende kvitto receipt order orders ordernr orderno invoice faktura booking reservation reference ref sku article artikel artnr product item tracking shipment parcel package case incident build job request req trace span transaction txn tx batch run revision rev commit sha sha1 sha256 hash digest integrity checksum etag page offset limit count total size bytes length status port pid seq sequence ticket id');
const PNR_WORDS = set('pnr personnummer personnr pnum ssn samordningsnummer personalnumber');
const PHONE_WORDS = set('phone tel telephone telefon telefonnummer mobilnummer mobile mobil cell cellphone msisdn fax sms callerid caller callee till ring call callback kontakt contact whatsapp from to number nummer');
const IP_WORDS = set('ip ipaddr ipv4 ipv6 addr src dst srcip dstip client clientip remote remoteaddr peer source destination saddr daddr nexthop gateway gw xff realip upstream ptr host backend resolve resolving');
const NET_WORDS = set('from to query lookup connect login waf firewall blocked banned denied geoip exceeded throttled limited');
const MAC_WORDS = set('mac macaddr hwaddr hw bssid ether lladdr chaddr station sta');
/** Words that make a bare 12-hex word a MAC (`device 001A2B3C4D5E`, `DHCPACK … to f4f5d8e29a7f`) but say nothing else. */
const MAC_CONTEXT = set('device enhet modem router ap client to from');
const VERSION_WORDS = set('v ver version release firmware fw build agent sdk app kernel plugin package pkg');
const CARD_WORDS = set('card cardno pan cc creditcard kort kortnummer');
const BIRTH = /birth|^dob$|^born$|^född$|^fodd$|fodelse|födelse/;
const LOCATION_NAMES = set('lat latitude lng lon long longitude');

/**
 * Label words that say little alone — prepositions and generic nouns: the
 * label reader also reads the word before them (`lookup for 530507983`,
 * `order number 0123456789`).
 */
export const WEAK_LABELS = set('for to from of on at in till för från av på mig me my requested number nummer nr no id');

/**
 * Splits a name into lower-case words: `X-Amz-Signature` → x amz signature,
 * `userEmail` → user email, `password2` → password 2, `XMLHttpRequest` → xml http request.
 *
 * @example
 * nameWords('given_name') // ['given', 'name']
 */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z\u00df-\u00ff])([A-Z\u00c0-\u00de])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z\u00c0-\u00ff])([0-9])|([0-9])([a-zA-Z\u00c0-\u00ff])/g, '$1$3 $2$4')
    .toLowerCase()
    .split(/[^a-z0-9\u00c0-\uffff]+/)
    .filter((w) => w.length > 0);
}

/**
 * The built-in verdict for a name: an action and label flags.
 *
 * @example
 * builtinVerdict('access_token') & ACTION_MASK // A_CREDENTIAL
 * builtinVerdict('max_tokens')                 // A_NONE
 */
export function builtinVerdict(name: string): number {
  if (name === '_') return L_TIME; // jQuery's cache buster: a timestamp
  const words = nameWords(name);
  if (words.length === 0) return A_NONE;
  const joined = words.join('');
  let labels = 0;
  for (const w of words) {
    if (TIME_WORDS.has(w)) labels |= L_TIME;
    if (ID_WORDS.has(w)) labels |= L_ID;
    if (PNR_WORDS.has(w)) labels |= L_PNR;
    if (PHONE_WORDS.has(w)) labels |= L_PHONE;
    if (IP_WORDS.has(w)) labels |= L_IP;
    if (MAC_WORDS.has(w)) labels |= L_MAC;
    if (VERSION_WORDS.has(w)) labels |= L_VERSION;
    if (CARD_WORDS.has(w)) labels |= L_CARD;
    if (NET_WORDS.has(w)) labels |= L_NET;
    if (MAC_CONTEXT.has(w)) labels |= L_MAC;
    if (w === 'imei' || w === 'imeisv' || w === 'meid' || w === 'device') labels |= L_IMEI;
    if (BIRTH.test(w)) labels |= L_BIRTH;
    if (w === 'imsi' || w === 'subscriber' || w === 'abonnent') labels |= L_IMSI;
    if (w === 'iccid' || w === 'sim') labels |= L_ICCID;
  }
  // An address label (`ip_address`) or a device label says what the value is; the detectors take it from there.
  if (labels & (L_PNR | L_PHONE | L_IMEI | L_IMSI | L_ICCID)) labels &= ~(L_ID | L_TIME);
  if (joined === 'cookie' || joined === 'setcookie') return A_COOKIE | labels;
  if (joined === 'authorization' || joined === 'proxyauthorization') return A_AUTH | labels;
  if (LOCATION_NAMES.has(joined) || (words.length > 1 && LOCATION_NAMES.has(words[words.length - 1]!) && words[words.length - 1] !== 'long')) return A_LOCATION | labels;
  if (words.some((w) => BIRTH.test(w)) || joined === 'dateofbirth') return A_BIRTHDATE | labels | L_BIRTH;
  for (const w of words) {
    if (STRONG_WORDS.has(w)) return A_CREDENTIAL | labels;
    // `passwordless`, `tokenless` are flags, not credentials.
    if (w.endsWith('less')) continue;
    for (const s of STRONG_SUBSTRINGS) if (w.includes(s)) return A_CREDENTIAL | labels;
    // `token`, `accesstoken`, `csrftoken`; not `tokens`, `tokenizer`.
    if (w.endsWith('token')) return A_CREDENTIAL | labels;
  }
  if (NAME_GLUED.has(joined)) return A_NAME | labels;
  // Set trailing generic words aside (`user_id` → user, `phone_number` → phone, `ip_address` → ip).
  let end = words.length;
  while (end > 1 && GENERIC_TAIL.has(words[end - 1]!)) end--;
  const head = words[end - 1]!;
  const modifier = end > 1 ? words[end - 2]! : undefined;
  if (head === 'name' || head === 'namn') return modifier === undefined || NAME_MODIFIERS.has(modifier) ? A_NAME | labels : labels;
  if (NAME_GLUED.has(head)) return A_NAME | labels;
  if (head === 'recipient' || head === 'sender') return A_NAME | labels;
  if (head === 'hint') return modifier === 'login' || modifier === 'email' || modifier === 'user' ? A_NAME | labels : labels;
  if (head === 'key') return modifier === undefined || KEY_MODIFIERS.has(modifier) ? A_CREDENTIAL | labels : labels;
  if (head === 'code' || head === 'state') return A_WEAK | labels;
  if (head === 'address' && modifier !== undefined && (IP_WORDS.has(modifier) || MAC_WORDS.has(modifier))) return labels;
  if (HEAD_WORDS.has(head)) return (head === 'token' || head === 'secret' ? A_CREDENTIAL : A_SENSITIVE) | labels;
  // Glued lower-case heads: `useremail`, `mobilephone`, `phonenumber`, `userid`.
  for (const h of ['email', 'mail', 'phone', 'mobile', 'username', 'userid', 'msisdn']) {
    if (head.endsWith(h) && head !== h && !head.endsWith('gmail')) return A_SENSITIVE | labels;
  }
  for (const g of ['number', 'address', 'addr', 'id', 'nr', 'no']) {
    if (head.length > g.length && head.endsWith(g) && HEAD_WORDS.has(head.slice(0, -g.length))) return A_SENSITIVE | labels;
  }
  return labels;
}

/**
 * Allow-list patterns: a name is allowed when it equals an entry (compared
 * lower case) or starts with an entry's prefix before `*` (`utm_*`).
 *
 * @example
 * const allowed = allowMatcher(['page', 'utm_*']);
 * allowed('utm_source') // true
 */
export function allowMatcher(entries: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const e of entries) {
    const l = e.toLowerCase();
    if (l.endsWith('*')) prefixes.push(l.slice(0, -1));
    else exact.add(l);
  }
  return (name) => {
    const l = name.toLowerCase();
    if (exact.has(l)) return true;
    for (const p of prefixes) if (l.startsWith(p)) return true;
    return false;
  };
}
