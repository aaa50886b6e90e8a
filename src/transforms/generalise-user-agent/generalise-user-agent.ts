/**
 * `generalise-user-agent`: replace the raw User-Agent with a synthetic one
 * that keeps only browser (or bot / client library) family + major version,
 * OS family and device class. Minor versions, device models, build ids and
 * app tokens are fingerprinting material and sometimes embed user or device
 * ids, so nothing from the input reaches the output except the major version
 * digits; every other character comes from the constant tables below.
 *
 * Output shapes (`<major>` is 1–4 digits):
 *
 *   browser  `Mozilla/5.0 (<os>; <device>) <Token>/<major>`
 *   crawler  `Mozilla/5.0 (<os>; Bot; <Token>/<major>; +http://bot.invalid)`
 *   library  `<Token>/<major> (<os>; Bot)`
 *   unknown  `Other/0 (Other; Other)`          (fail closed)
 *   absent   `-`                               (Common Log Format null)
 *
 * The tokens were chosen against GoAccess's own lists (src/browsers.c and
 * src/opesys.c in allinurl/goaccess), which are case-sensitive `strstr`
 * scans in list order, and checked with GoAccess 1.7 (Debian bookworm) by
 * feeding one generated line per output to `goaccess --log-format=COMBINED
 * -o json` and reading the browsers and os panels:
 *
 * - OS: `Windows NT` → Windows and `Mac OS X` → Macintosh; bare `Windows` or
 *   `Macintosh` came out Unknown (1.7 has no such entries), hence the longer
 *   version-free tokens. `iPhone`/`iPad`/`AppleTV` → iOS (it has no `iOS`
 *   entry), `Android` → Android, `Linux` → Linux, `CrOS` → Chrome OS,
 *   `FreeBSD`/`OpenBSD` → BSD, `Other` → Unknown.
 * - Browsers: `Chrome/N` → Chrome, `Firefox/N` → Firefox, `Safari/N` →
 *   Safari, `Edge/N` → Edge (its entry is `Edg`), `Opera/N` → Opera,
 *   `MSIE/N` → MSIE, `Vivaldi/N` → Vivaldi, `YaBrowser/N` → Yandex.Browser,
 *   `HeadlessChrome/N` → Chrome (as GoAccess files the raw UA). `UCBrowser/N`
 *   → Others/UCBrowser. GoAccess has no entry for Samsung Internet, Chromium,
 *   Facebook (`FBAV`) or Instagram, so those land in Others (via its final
 *   `Mozilla` entry) rather than in a wrong family; a `--browsers-file`
 *   with lines such as `SamsungBrowser<TAB>Samsung Internet` names them
 *   (checked). On the raw UAs GoAccess calls Samsung Internet and Chromium
 *   "Chrome", and FxiOS "Safari".
 * - Consoles: GoAccess's "Game Systems" keys on the brand (`Xbox`,
 *   `PlayStation`, `NintendoBrowser`), which the output does not carry, so
 *   console traffic shows under its browser (Edge, Safari) instead.
 * - Crawlers: GoAccess 1.7 first looks for `; +http` and takes the word
 *   before it as a crawler name, so the crawler shape ends in a fixed
 *   `; +http://bot.invalid` (a reserved TLD: nothing to follow). Every bot,
 *   including ones it has no entry for (ClaudeBot, GPTBot, kube-probe, the
 *   generic `Bot`), then shows as Crawlers/<Token>/<major>, and GoAccess
 *   also puts Crawlers in the os panel for them.
 * - Client libraries keep their own leading product token, so GoAccess files
 *   them by name as it files a bare raw one: curl, Wget, python-requests,
 *   Go-http-client, okhttp, node-fetch, libwww-perl, Apache-HttpClient →
 *   Others; Java, Python-urllib → Crawlers; axios, PostmanRuntime → Unknown.
 *   Library traffic therefore stays out of GoAccess's Crawlers unless
 *   GoAccess itself lists the library as one.
 * - Device tokens (`Desktop`, `Mobile`, `Tablet`, `Bot`, `TV`, `Console`,
 *   `Other`) match nothing in either GoAccess list. They are capitalised so
 *   the common "contains `Mobi`" mobile test and Firefox's `Tablet` token
 *   keep working in other analysers.
 * - The unknown string has no `Mozilla`, so it is Unknown in both panels
 *   instead of Others.
 *
 * Feeding an output back in returns it unchanged; the tests rely on that.
 */

import { GallraError } from '../../errors.js';
import { StringCache } from '../../util/string-cache.js';
import { BROWSER_TOKENS, CRAWLER_SUFFIX, DEFAULT_CACHE_SIZE, DESKTOP_OS, DEVICE_TOKEN, FAMILIES, type Family, LIBRARIES, MAX_MAJOR_DIGITS, MAX_UA_LENGTH, NAMED_BOTS, NULL_UA, OS_TOKEN, type OsFamily, OTHER_UA, SAFE_OUTPUT } from './tables.js';


/**
 * Coarse device class. `bot` covers every automated client: crawlers,
 * monitors, HTTP libraries and headless browsers, because no person is
 * looking at a screen behind any of them.
 *
 * @example
 * const d: DeviceClass = classifyUserAgent('curl/8.5.0').device; // 'bot'
 */
export type DeviceClass = 'desktop' | 'mobile' | 'tablet' | 'bot' | 'tv' | 'console' | 'other';

/**
 * What survives generalisation. `family` is one of the fixed names in this
 * module (or `Other`), `major` is 1–4 digits (`0` when unknown), `os` is one
 * of Windows, macOS, iOS, Android, Linux, ChromeOS, FreeBSD, OpenBSD, Other.
 *
 * @example
 * const info: UserAgentInfo = { family: 'Firefox', major: '125', os: 'Linux', device: 'desktop' };
 */
export interface UserAgentInfo {
  family: string;
  major: string;
  os: string;
  device: DeviceClass;
}

/**
 * The generaliser returned by {@link createUserAgentGeneraliser}. `size` is
 * the number of cached entries, exposed so tests and metrics can see that
 * the cache stays bounded.
 *
 * @example
 * const g: UserAgentGeneraliser = createUserAgentGeneraliser({ cacheSize: 2 });
 * g('curl/8.5.0'); g.size // 1
 */
export interface UserAgentGeneraliser {
  (ua: string): string;
  /** Entries cached now. */
  readonly size: number;
  /** Most entries the cache holds (cacheSize rounded up to whole sets). */
  readonly capacity: number;
}

/**
 * Reads the version number starting at `pos`: '0' when there are no digits
 * or more than MAX_MAJOR_DIGITS of them, else the number without leading
 * zeros. Only ASCII digits pass, so nothing else of the input can.
 */
function readMajor(s: string, pos: number): string {
  let end = pos;
  while (end < s.length && end - pos <= MAX_MAJOR_DIGITS) {
    const c = s.charCodeAt(end);
    if (c < 48 || c > 57) break;
    end++;
  }
  const len = end - pos;
  if (len === 0 || len > MAX_MAJOR_DIGITS) return '0';
  return String(Number(s.slice(pos, end)));
}

/** Like readMajor, but first steps over one '/' or ' ' ("Googlebot/2.1", "MSIE 10.0", "Instagram 330.0"). */
function readMajorAfterName(s: string, pos: number): string {
  const c = s.charAt(pos);
  return readMajor(s, c === '/' || c === ' ' ? pos + 1 : pos);
}

/** Major after the first `needle`, or undefined when `needle` is absent. */
function majorAfter(s: string, needle: string): string | undefined {
  const i = s.indexOf(needle);
  return i < 0 ? undefined : readMajorAfterName(s, i + needle.length);
}

/**
 * "bot", "crawl" (also "crawler") or "spider" anywhere, case-insensitive.
 * Cubot is a phone maker whose model names (CUBOT_X30) would otherwise make
 * its owners crawlers.
 */
function hasGenericBotMarker(lower: string): boolean {
  if (lower.includes('crawl') || lower.includes('spider')) return true;
  for (let i = lower.indexOf('bot'); i >= 0; i = lower.indexOf('bot', i + 3)) {
    if (i < 2 || lower.charCodeAt(i - 2) !== 99 /* c */ || lower.charCodeAt(i - 1) !== 117 /* u */) return true;
  }
  return false;
}

/** Browser family and major from a (length-capped, original-case) UA, or undefined. */
function detectBrowser(s: string): [Family, string] | undefined {
  // In-app webviews carry their host browser's tokens as well.
  const fbav = majorAfter(s, 'FBAV/');
  if (fbav !== undefined) return ['Facebook', fbav];
  if (s.includes('FBAN/')) return ['Facebook', '0'];
  const insta = majorAfter(s, 'Instagram');
  if (insta !== undefined) return ['Instagram', insta];

  for (const [needle, family] of BROWSER_TOKENS) {
    const m = majorAfter(s, needle);
    if (m !== undefined) return [family, m];
  }
  // Presto-era Opera put the real version in Version/ and also spoofed
  // MSIE or Firefox, so it is checked before them.
  if (s.includes('Opera')) return ['Opera', majorAfter(s, 'Version/') ?? majorAfter(s, 'Opera') ?? '0'];
  const msie = majorAfter(s, 'MSIE');
  if (msie !== undefined) return ['IE', msie];
  // IE 11 dropped "MSIE" and gives its version only as rv:.
  if (s.includes('Trident/')) return ['IE', majorAfter(s, 'rv:') ?? '0'];

  const fx = majorAfter(s, 'FxiOS/') ?? majorAfter(s, 'Firefox/');
  if (fx !== undefined) return ['Firefox', fx];
  // Brave sends exactly Chrome's UA, so it is counted as Chrome.
  const chromium = majorAfter(s, 'Chromium/');
  if (chromium !== undefined) return ['Chromium', chromium];
  const chrome = majorAfter(s, 'CriOS/') ?? majorAfter(s, 'Chrome/');
  if (chrome !== undefined) return ['Chrome', chrome];

  const safari = s.indexOf('Safari/');
  if (safari >= 0) {
    // Safari's own token holds the WebKit build (604.1, 605.1.15), the
    // release is in Version/. A Safari/ below 100 can only be a major this
    // module wrote, so a release of 100 or more (no Safari has one) is
    // written as 0: reading its own output back must give the same.
    const version = majorAfter(s, 'Version/');
    const major = version ?? readMajor(s, safari + 7);
    return ['Safari', Number(major) < 100 ? major : '0'];
  }
  return undefined;
}

function detectOs(s: string): OsFamily {
  // Windows Phone 8.1 also claims Android, iPhone and Mac OS X.
  if (s.includes('Windows Phone')) return 'Windows';
  // "like Mac OS X" is iOS (and tvOS, counted with it as GoAccess does).
  if (s.includes('iPhone') || s.includes('iPad') || s.includes('iPod') || s.includes('AppleTV') || s.includes('Apple TV') || s.includes('like Mac OS X')) return 'iOS';
  if (s.includes('Android')) return 'Android';
  if (s.includes('CrOS')) return 'ChromeOS';
  if (s.includes('Windows')) return 'Windows';
  if (s.includes('Macintosh') || s.includes('Mac OS X')) return 'macOS';
  if (s.includes('FreeBSD')) return 'FreeBSD';
  if (s.includes('OpenBSD')) return 'OpenBSD';
  if (s.includes('Linux')) return 'Linux';
  return 'Other';
}

function detectDevice(s: string, os: OsFamily): DeviceClass {
  // The "; X)" forms are this module's own device tokens.
  if (s.includes('PlayStation') || s.includes('Xbox') || s.includes('Nintendo') || s.includes('; Console)')) return 'console';
  if (
    s.includes('SmartTV') ||
    s.includes('SMART-TV') ||
    s.includes('AppleTV') ||
    s.includes('Apple TV') ||
    s.includes('HbbTV') ||
    s.includes('GoogleTV') ||
    s.includes('Android TV') ||
    s.includes('CrKey') ||
    s.includes('Roku') ||
    s.includes('BRAVIA') ||
    s.includes('Web0S') ||
    (s.includes('Tizen') && s.includes('TV')) ||
    s.includes('; TV)') ||
    s.includes('(TV;')
  ) {
    return 'tv';
  }
  // iPad Safari also says "Mobile/15E148"; "Tablet PC" is a Windows laptop.
  if (s.includes('iPad') || s.includes('Kindle') || (s.includes('Tablet') && !s.includes('Tablet PC'))) return 'tablet';
  if (s.includes('Mobi') || s.includes('iPhone') || s.includes('iPod') || s.includes('Windows Phone') || s.includes('Opera Mini') || s.includes('BlackBerry')) return 'mobile';
  // Chrome on Android tablets drops "Mobile"; other iOS devices are phones.
  if (os === 'Android') return 'tablet';
  if (os === 'iOS') return 'mobile';
  if (DESKTOP_OS.has(os) || s.includes('; Desktop)')) return 'desktop';
  return 'other';
}

/** Family (or undefined) and major, bots first: many of them carry a complete browser UA. */
function detectFamily(s: string): [Family, string] | undefined {
  const lower = s.toLowerCase();
  // Majors are read from `lower`: lower-casing can change the length of
  // non-ASCII text, so indexes into `lower` are not indexes into `s`.
  for (const [needle, family] of NAMED_BOTS) {
    const m = majorAfter(lower, needle);
    if (m !== undefined) return [family, m];
  }
  for (const [needle, family] of LIBRARIES) {
    const m = majorAfter(lower, needle);
    if (m !== undefined) return [family, m];
  }
  // Before the generic marker: its own output says "; Bot)".
  const headless = majorAfter(s, 'HeadlessChrome/');
  if (headless !== undefined) return ['HeadlessChrome', headless];
  if (hasGenericBotMarker(lower)) return ['Bot', '0'];
  return detectBrowser(s);
}

function isFamily(name: string): name is Family {
  return Object.hasOwn(FAMILIES, name);
}

/**
 * Pure classification: browser / bot / client-library family with its major
 * version, OS family and device class. An unrecognised family is `Other`
 * with major `0`; os and device are still reported when they can be told.
 *
 * @example
 * classifyUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36')
 * // { family: 'Chrome', major: '124', os: 'Windows', device: 'desktop' }
 */
export function classifyUserAgent(ua: string): UserAgentInfo {
  const s = ua.length > MAX_UA_LENGTH ? ua.slice(0, MAX_UA_LENGTH) : ua;
  const found = detectFamily(s);
  const os = detectOs(s);
  if (found === undefined) return { family: 'Other', major: '0', os, device: detectDevice(s, os) };
  const [family, major] = found;
  const device = FAMILIES[family].kind === 'browser' && family !== 'HeadlessChrome' ? detectDevice(s, os) : 'bot';
  return { family, major, os, device };
}

function osToken(os: string, device: DeviceClass): string {
  // GoAccess has no "iOS" entry but knows these three device names.
  if (os === 'iOS') return device === 'tablet' ? 'iPad' : device === 'tv' ? 'AppleTV' : 'iPhone';
  return Object.hasOwn(OS_TOKEN, os) ? OS_TOKEN[os as keyof typeof OS_TOKEN] : OS_TOKEN.Other;
}

/** Renders classified info in the shape of its family's kind; anything off the allow-list fails closed. */
function format(info: UserAgentInfo): string {
  if (!isFamily(info.family)) return OTHER_UA;
  const { token, kind } = FAMILIES[info.family];
  const os = osToken(info.os, info.device);
  let out: string;
  if (kind === 'crawler') out = `Mozilla/5.0 (${os}; Bot; ${token}/${info.major}${CRAWLER_SUFFIX}`;
  else if (kind === 'library') out = `${token}/${info.major} (${os}; Bot)`;
  else out = `Mozilla/5.0 (${os}; ${DEVICE_TOKEN[info.device]}) ${token}/${info.major}`;
  return SAFE_OUTPUT.test(out) ? out : OTHER_UA;
}

/**
 * The generalised UA string written to logs instead of the raw one. `-` and
 * the empty string stay `-`; a UA with no recognised family becomes the
 * fixed `Other/0 (Other; Other)`.
 *
 * @example
 * generaliseUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1')
 * // 'Mozilla/5.0 (iPhone; Mobile) Safari/17'
 * generaliseUserAgent('curl/8.5.0') // 'curl/8 (Other; Bot)'
 * generaliseUserAgent('-')          // '-'
 */
export function generaliseUserAgent(ua: string): string {
  if (ua === '' || ua === NULL_UA) return NULL_UA;
  return format(classifyUserAgent(ua));
}

/**
 * Returns {@link generaliseUserAgent} behind a bounded cache (a
 * {@link StringCache} of `cacheSize` entries rounded up to whole sets,
 * default 1000), because the same few hundred UA strings repeat millions of
 * times and this runs per log line. Keys are capped at the same 1024
 * characters as classification, so a flood of huge unique UAs costs at most
 * `capacity` × 1024 characters. `cacheSize: 0` disables caching.
 *
 * @example
 * const generalise = createUserAgentGeneraliser({ cacheSize: 500 });
 * generalise('curl/8.5.0') // 'curl/8 (Other; Bot)'
 * generalise.size          // 1
 */
export function createUserAgentGeneraliser(options: { cacheSize?: number } = {}): UserAgentGeneraliser {
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) {
    throw new GallraError('GALLRA_INTERNAL', `user-agent generaliser: cacheSize must be a whole number >= 0, got ${String(cacheSize)}`);
  }
  const cache = cacheSize > 0 ? new StringCache<string>(cacheSize) : undefined;
  const generalise = (ua: string): string => {
    const key = ua.length > MAX_UA_LENGTH ? ua.slice(0, MAX_UA_LENGTH) : ua;
    if (cache === undefined) return generaliseUserAgent(key);
    return cache.through(key, generaliseUserAgent);
  };
  Object.defineProperty(generalise, 'size', { get: () => cache?.size ?? 0, enumerable: true });
  Object.defineProperty(generalise, 'capacity', { get: () => cache?.capacity ?? 0, enumerable: true });
  return generalise as UserAgentGeneraliser;
}
