/**
 * The `referrer_domain` dimension: the registrable domain of a referrer
 * (`https://news.google.co.uk/…` → `google.co.uk`), never its path, query,
 * port or sub-domain, and never an address: a referrer whose host is an IP
 * literal is `(ip)`. Referrers from the site itself are `(internal)`; a
 * request without one is `(direct)`; anything that is not an http(s) URL is
 * `(invalid)`.
 *
 * Registrable domains follow the Public Suffix List for the suffixes below
 * (the multi-label ones most often seen in referrers); any other name is
 * taken as `<label>.<tld>`. A domain under a suffix missing here is shown one
 * label too short (`example.co.xx` → `co.xx`), which merges sites but never
 * splits one: the safe direction.
 */

/** Multi-label public suffixes (https://publicsuffix.org/list/), the common ones. */
const MULTI_LABEL_SUFFIXES = new Set(
  (
    'co.uk org.uk ac.uk gov.uk ltd.uk plc.uk me.uk net.uk sch.uk nhs.uk ' +
    'com.au net.au org.au edu.au gov.au asn.au id.au co.nz org.nz net.nz govt.nz ac.nz ' +
    'co.jp ne.jp or.jp ac.jp go.jp co.kr or.kr ne.kr go.kr ac.kr ' +
    'com.br net.br org.br gov.br com.cn net.cn org.cn gov.cn edu.cn com.hk org.hk net.hk com.tw org.tw net.tw ' +
    'com.sg org.sg net.sg edu.sg gov.sg com.my org.my com.ph com.vn com.tr org.tr net.tr gov.tr ' +
    'co.in net.in org.in gov.in ac.in co.za org.za gov.za ac.za co.il org.il ac.il ' +
    'com.mx org.mx gob.mx com.ar com.co com.pe com.ua org.ua co.id or.id ac.id go.id ' +
    'com.eg com.sa com.pk com.ng com.es com.pl net.pl org.pl co.at or.at ' +
    'github.io gitlab.io blogspot.com herokuapp.com netlify.app vercel.app pages.dev web.app firebaseapp.com ' +
    'appspot.com azurewebsites.net cloudfront.net amazonaws.com wordpress.com tumblr.com substack.com'
  ).split(' '),
);

export const DIRECT = '(direct)';
export const INTERNAL = '(internal)';
export const IP_HOST = '(ip)';
export const INVALID = '(invalid)';

const HOST_CHARS = /^[a-z0-9.-]{1,253}$/;

/**
 * The host of an http(s) URL, lower-cased, without port or user info; or
 * undefined when `url` is not one.
 */
export function urlHost(url: string): string | undefined {
  const m = /^https?:\/\/([^/?#]*)/i.exec(url);
  if (m === null) return undefined;
  let host = m[1]!;
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  if (host.startsWith('[')) return host.toLowerCase(); // IPv6 literal
  const colon = host.indexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  host = host.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

function isIpLiteral(host: string): boolean {
  return host.startsWith('[') || host.includes(':') || /^[0-9.]+$/.test(host);
}

/**
 * The registrable domain of a DNS name.
 *
 * @example
 * registrableDomain('news.google.co.uk') // 'google.co.uk'
 * registrableDomain('www.example.org')   // 'example.org'
 */
export function registrableDomain(host: string): string {
  const labels = host.split('.');
  if (labels.length <= 2) return host;
  const last2 = labels.slice(-2).join('.');
  if (MULTI_LABEL_SUFFIXES.has(last2)) return labels.slice(-3).join('.');
  return last2;
}

/**
 * The `referrer_domain` of a referrer value (as the policy left it), for a
 * request to `siteHost` (its own host field, when the log has one).
 *
 * @example
 * referrerDomain('https://www.google.com/search?q=x', 'shop.example.org', []) // 'google.com'
 * referrerDomain('https://shop.example.org/cart', 'shop.example.org', [])     // '(internal)'
 * referrerDomain('-', undefined, [])                                           // '(direct)'
 */
export function referrerDomain(referrer: string | undefined, siteHost: string | undefined, internal: readonly string[]): string {
  if (referrer === undefined || referrer === '' || referrer === '-') return DIRECT;
  const host = urlHost(referrer);
  if (host === undefined || host === '') return INVALID;
  if (isIpLiteral(host)) return IP_HOST;
  if (!HOST_CHARS.test(host) || !/[a-z]/.test(host)) return INVALID;
  const domain = registrableDomain(host);
  if (siteHost !== undefined && siteHost !== '' && registrableDomain(siteHost) === domain) return INTERNAL;
  for (const d of internal) if (host === d || host.endsWith('.' + d) || domain === d) return INTERNAL;
  return domain;
}
