/**
 * Builds one log line of a given format with planted values, as a *spec*
 * whose randomness is fully drawn up front and a `render(mode)` that
 * assembles the text: with every planted part present (`raw`), every part
 * replaced by a placeholder (`redacted`), or only one plant present
 * (`{ only: i }`, for the generator's consistency check). False-positive
 * controls are literal text and present in every mode.
 */
import { ASSET_PATHS, BENIGN_PARAMS, CLIENT_V4_PREFIXES, EXTERNAL, METHODS, ROUTES, SITES, STATUSES, USER_AGENTS } from './data.mjs';
import { CONTROLS, FAMILIES, makeV6, P0, P1, v6Text } from './families.mjs';

/** @typedef {import('./rng.mjs').Rng} Rng */
/** @typedef {(r: (plant: number, part: number) => string) => string} Tpl */
/**
 * @typedef {{ family: string, variant: string, parts: string[], text: string, cores: import('./normalise.mjs').Core[],
 *   where: Record<string, any>, placeholder: string }} Plant
 * @typedef {{ family: string, variant: string, text: string, cores: import('./normalise.mjs').Core[], where: Record<string, any>, expect: string }} ControlRec
 */

/** Output formats the corpus writes, with their share of lines. */
export const FORMATS = [
  [20, 'combined'],
  [16, 'combined_xff'],
  [9, 'common'],
  [12, 'vhost_combined'],
  [18, 'json'],
  [8, 'json_nested'],
  [17, 'nginx_json'],
];

/** Slots each format offers a planted value. */
export const SLOTS_BY_FORMAT = {
  combined: ['query', 'path', 'user', 'ua', 'url'],
  combined_xff: ['query', 'path', 'user', 'ua', 'url', 'xff'],
  common: ['query', 'path', 'user', 'url'],
  vhost_combined: ['query', 'path', 'user', 'ua', 'url', 'kept'],
  json: ['text', 'query', 'path', 'user', 'url', 'number', 'kept', 'xff', 'ua'],
  json_nested: ['text', 'query', 'path', 'user', 'url', 'number', 'ua'],
  nginx_json: ['query', 'path', 'user', 'ua', 'url', 'xff'],
};

export const NEST_PARAMS = ['next', 'redirect_uri', 'return_to', 'continue', 'RelayState', 'url', 'u', 'returnUrl', 'redirect', 'goto', 'target', 'dest', 'service', 'callback'];

/** Bytes a browser leaves alone in a query value it sends as typed. */
export const BROWSER_SAFE = /[A-Za-z0-9\-._~!$'()*,;:@/?]/;

/**
 * Percent-encodes as browsers do for a typed URL: reserved-for-structure
 * characters and everything non-ASCII are escaped, existing escapes stay.
 * @param {string} s
 */
export function browserEncode(s) {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) out += c;
    else if (BROWSER_SAFE.test(c)) out += c;
    else {
      const cp = s.codePointAt(i);
      const ch = String.fromCodePoint(cp);
      if (cp > 0xffff) i++;
      for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/** Query value encodings, by weight. */
export const VALUE_ENCODINGS = [
  [40, 'component'],
  [25, 'browser'],
  [15, 'form'],
  [10, 'raw'],
  [10, 'double'],
];

/** @param {string} kind @param {string} s */
export function encodeValue(kind, s) {
  switch (kind) {
    case 'component':
      return encodeURIComponent(s);
    case 'form':
      return encodeURIComponent(s).replace(/%20/g, '+');
    case 'browser':
      return browserEncode(s);
    case 'double':
      return encodeURIComponent(encodeURIComponent(s));
    case 'path':
      return browserEncode(s).replace(/\?/g, '%3F');
    default:
      return s;
  }
}

/**
 * A template from a string with sentinels for plant `idx` (or no plant: a
 * literal), the planted text passed through `enc`.
 * @param {string} s
 * @param {number} idx plant index, or -1 for literal text
 * @param {(s: string) => string} [enc]
 * @returns {Tpl}
 */
export function bind(s, idx, enc = (x) => x) {
  if (idx < 0 || !/[\u0001\u0002]/.test(s)) return () => s;
  const pieces = s.split(/([\u0001\u0002])/);
  return (r) => pieces.map((p) => (p === P0 ? enc(r(idx, 0)) : p === P1 ? enc(r(idx, 1)) : p)).join('');
}

/** @param {...(Tpl | string)} parts @returns {Tpl} */
export const cat = (...parts) => (r) => parts.map((p) => (typeof p === 'string' ? p : p(r))).join('');

/**
 * A URL being assembled: path and query pairs as templates.
 */
export class Url {
  /** @param {string} origin e.g. `https://www.example.se` or '' for a request target */
  constructor(origin) {
    this.origin = origin;
    /** @type {Tpl | null} */
    this.path = null;
    /** @type {[string, Tpl][]} */
    this.pairs = [];
    /** @type {Tpl | null} */
    this.fragment = null;
  }

  /** @returns {Tpl} */
  tpl(defaultPath) {
    const path = this.path ?? (() => defaultPath);
    const pairs = this.pairs;
    return (r) => {
      let s = this.origin + path(r);
      if (pairs.length > 0) s += '?' + pairs.map(([n, v]) => `${n}=${v(r)}`).join('&');
      return s;
    };
  }
}

/**
 * Percent-encodes a parameter name if it is not plain ASCII (`lösenord`).
 * @param {string} n
 */
export const encodeName = (n) => (/^[\x21-\x7e]*$/.test(n) ? n : encodeURIComponent(n));

/**
 * CLF escaping of one field, nginx or Apache style (or a setup that writes
 * UTF-8 as it is).
 * @param {string} s
 * @param {'nginx' | 'apache' | 'raw'} style
 */
export function clfEscape(s, style) {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (ch === '"') out += style === 'nginx' ? '\\x22' : '\\"';
    else if (ch === '\\') out += style === 'nginx' ? '\\x5C' : '\\\\';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0')[style === 'nginx' ? 'toUpperCase' : 'toLowerCase']();
    else if (cp >= 0x80 && style !== 'raw') {
      for (const b of Buffer.from(ch, 'utf8')) out += '\\x' + b.toString(16).padStart(2, '0')[style === 'nginx' ? 'toUpperCase' : 'toLowerCase']();
    } else out += ch;
  }
  return out;
}

/**
 * JSON string literal in a logger's style: `js` (UTF-8 as is), `ascii`
 * (Python's ensure_ascii: `\u00f6`), `php` (`\/` and `\u00f6`).
 * @param {string} s
 * @param {'js' | 'ascii' | 'php'} style
 */
export function jsonString(s, style) {
  let j = JSON.stringify(s);
  if (style !== 'js') j = j.replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  if (style === 'php') j = j.replace(/\//g, '\\/');
  return j;
}

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** @param {number} sec @param {number} offMin */
export function clfTime(sec, offMin) {
  const d = new Date((sec + offMin * 60) * 1000);
  const p = (n) => String(n).padStart(2, '0');
  const sign = offMin < 0 ? '-' : '+';
  const a = Math.abs(offMin);
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${sign}${p(Math.floor(a / 60))}${p(a % 60)}`;
}

/** @param {number} sec @param {number} offMin @param {number} ms -1 for none */
export function isoTime(sec, offMin, ms) {
  const d = new Date((sec + offMin * 60) * 1000);
  const p = (n) => String(n).padStart(2, '0');
  const frac = ms >= 0 ? '.' + String(ms).padStart(3, '0') : '';
  const zone = offMin === 0 ? 'Z' : `${offMin < 0 ? '-' : '+'}${p(Math.floor(Math.abs(offMin) / 60))}:${p(Math.abs(offMin) % 60)}`;
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${frac}${zone}`;
}

