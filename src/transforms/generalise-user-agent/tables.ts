/**
 * The user-agent generaliser's tables: the families it may name (the
 * allow-list of everything its output may say), the tokens that reveal them,
 * and the OS and device tokens it writes.
 */
import type { DeviceClass } from './generalise-user-agent.js';

export type Kind = 'browser' | 'crawler' | 'library';
export type OsFamily = 'Windows' | 'macOS' | 'iOS' | 'Android' | 'Linux' | 'ChromeOS' | 'FreeBSD' | 'OpenBSD' | 'Other';

// Longer inputs are classified on their first 1024 characters: real UAs are
// far shorter, and it bounds both the scan and the cache key.
export const MAX_UA_LENGTH = 1024;
// A "major" longer than this is more likely an id than a version.
export const MAX_MAJOR_DIGITS = 4;
export const DEFAULT_CACHE_SIZE = 1000;

export const NULL_UA = '-';
export const OTHER_UA = 'Other/0 (Other; Other)';
// See the header comment: the `; +http` is what GoAccess keys crawlers on.
export const CRAWLER_SUFFIX = '; +http://bot.invalid)';
// Belt and braces against a future edit of the tables letting a quote,
// backslash or control character through.
export const SAFE_OUTPUT = /^[A-Za-z0-9 ()./;:+-]{1,100}$/;

/** Output product token and shape of each family; the allow-list of everything the output may say. */
export const FAMILIES = {
  Chrome: { token: 'Chrome', kind: 'browser' },
  Chromium: { token: 'Chromium', kind: 'browser' },
  Edge: { token: 'Edge', kind: 'browser' },
  Firefox: { token: 'Firefox', kind: 'browser' },
  Safari: { token: 'Safari', kind: 'browser' },
  Opera: { token: 'Opera', kind: 'browser' },
  'Samsung Internet': { token: 'SamsungBrowser', kind: 'browser' },
  'Yandex Browser': { token: 'YaBrowser', kind: 'browser' },
  Vivaldi: { token: 'Vivaldi', kind: 'browser' },
  'UC Browser': { token: 'UCBrowser', kind: 'browser' },
  IE: { token: 'MSIE', kind: 'browser' },
  // FBAV is the token ua-parser and friends read as Facebook's in-app browser.
  Facebook: { token: 'FBAV', kind: 'browser' },
  Instagram: { token: 'Instagram', kind: 'browser' },
  // Browser shape because GoAccess files raw HeadlessChrome under Chrome;
  // device is still `bot` (Puppeteer/Playwright scrapers, prerenderers).
  HeadlessChrome: { token: 'HeadlessChrome', kind: 'browser' },

  Googlebot: { token: 'Googlebot', kind: 'crawler' },
  bingbot: { token: 'bingbot', kind: 'crawler' },
  YandexBot: { token: 'YandexBot', kind: 'crawler' },
  AhrefsBot: { token: 'AhrefsBot', kind: 'crawler' },
  SemrushBot: { token: 'SemrushBot', kind: 'crawler' },
  DotBot: { token: 'DotBot', kind: 'crawler' },
  MJ12bot: { token: 'MJ12bot', kind: 'crawler' },
  Applebot: { token: 'Applebot', kind: 'crawler' },
  DuckDuckBot: { token: 'DuckDuckBot', kind: 'crawler' },
  Baiduspider: { token: 'Baiduspider', kind: 'crawler' },
  facebookexternalhit: { token: 'facebookexternalhit', kind: 'crawler' },
  Twitterbot: { token: 'Twitterbot', kind: 'crawler' },
  LinkedInBot: { token: 'LinkedInBot', kind: 'crawler' },
  Slackbot: { token: 'Slackbot', kind: 'crawler' },
  GPTBot: { token: 'GPTBot', kind: 'crawler' },
  ClaudeBot: { token: 'ClaudeBot', kind: 'crawler' },
  CensysInspect: { token: 'CensysInspect', kind: 'crawler' },
  zgrab: { token: 'zgrab', kind: 'crawler' },
  UptimeRobot: { token: 'UptimeRobot', kind: 'crawler' },
  Prometheus: { token: 'Prometheus', kind: 'crawler' },
  'kube-probe': { token: 'kube-probe', kind: 'crawler' },
  'ELB-HealthChecker': { token: 'ELB-HealthChecker', kind: 'crawler' },
  Bot: { token: 'Bot', kind: 'crawler' },

  curl: { token: 'curl', kind: 'library' },
  Wget: { token: 'Wget', kind: 'library' },
  'python-requests': { token: 'python-requests', kind: 'library' },
  'Python-urllib': { token: 'Python-urllib', kind: 'library' },
  'Go-http-client': { token: 'Go-http-client', kind: 'library' },
  okhttp: { token: 'okhttp', kind: 'library' },
  axios: { token: 'axios', kind: 'library' },
  'node-fetch': { token: 'node-fetch', kind: 'library' },
  'Apache-HttpClient': { token: 'Apache-HttpClient', kind: 'library' },
  Java: { token: 'Java', kind: 'library' },
  'libwww-perl': { token: 'libwww-perl', kind: 'library' },
  PostmanRuntime: { token: 'PostmanRuntime', kind: 'library' },
} as const satisfies Record<string, { token: string; kind: Kind }>;

export type Family = keyof typeof FAMILIES;

// Bots spell their names inconsistently (Applebot/AppleBot, bingbot/BingBot),
// so these two tables are matched against the lower-cased UA.
export const NAMED_BOTS: readonly (readonly [needle: string, family: Family])[] = [
  ['googlebot', 'Googlebot'],
  ['bingbot', 'bingbot'],
  ['yandexbot', 'YandexBot'],
  ['ahrefsbot', 'AhrefsBot'],
  ['semrushbot', 'SemrushBot'],
  ['dotbot', 'DotBot'],
  ['mj12bot', 'MJ12bot'],
  ['applebot', 'Applebot'],
  ['duckduckbot', 'DuckDuckBot'],
  ['baiduspider', 'Baiduspider'],
  ['facebookexternalhit', 'facebookexternalhit'],
  ['twitterbot', 'Twitterbot'],
  ['linkedinbot', 'LinkedInBot'],
  ['slackbot', 'Slackbot'],
  ['gptbot', 'GPTBot'],
  ['claudebot', 'ClaudeBot'],
  ['censysinspect', 'CensysInspect'],
  ['zgrab', 'zgrab'],
  ['uptimerobot', 'UptimeRobot'],
  ['prometheus', 'Prometheus'],
  ['kube-probe', 'kube-probe'],
  ['elb-healthchecker', 'ELB-HealthChecker'],
];

// Needles include the slash so that e.g. "JavaScript" is not Java.
// Apache-HttpClient says "(Java/11)" too, so it goes first.
export const LIBRARIES: readonly (readonly [needle: string, family: Family])[] = [
  ['curl/', 'curl'],
  ['wget/', 'Wget'],
  ['python-requests/', 'python-requests'],
  ['python-urllib/', 'Python-urllib'],
  ['go-http-client/', 'Go-http-client'],
  ['okhttp/', 'okhttp'],
  ['axios/', 'axios'],
  ['node-fetch/', 'node-fetch'],
  ['apache-httpclient/', 'Apache-HttpClient'],
  ['java/', 'Java'],
  ['libwww-perl/', 'libwww-perl'],
  ['postmanruntime/', 'PostmanRuntime'],
];

// Case-sensitive `Token/<version>` browsers, in priority order: every
// Chromium derivative also says "Chrome/" and "Safari/", so they precede
// Chrome; Firefox on iOS says "Safari/" too.
export const BROWSER_TOKENS: readonly (readonly [needle: string, family: Family])[] = [
  ['Edg/', 'Edge'],
  ['EdgA/', 'Edge'],
  ['EdgiOS/', 'Edge'],
  ['Edge/', 'Edge'], // EdgeHTML-era Edge, whose UA also says Chrome/
  ['OPR/', 'Opera'],
  ['OPiOS/', 'Opera'],
  ['SamsungBrowser/', 'Samsung Internet'],
  ['YaBrowser/', 'Yandex Browser'],
  ['Vivaldi/', 'Vivaldi'],
  ['UCBrowser/', 'UC Browser'],
];

export const OS_TOKEN: Record<Exclude<OsFamily, 'iOS'>, string> = {
  Windows: 'Windows NT',
  macOS: 'Mac OS X',
  Android: 'Android',
  Linux: 'Linux',
  ChromeOS: 'CrOS',
  FreeBSD: 'FreeBSD',
  OpenBSD: 'OpenBSD',
  Other: 'Other',
};

export const DEVICE_TOKEN: Record<DeviceClass, string> = {
  desktop: 'Desktop',
  mobile: 'Mobile',
  tablet: 'Tablet',
  bot: 'Bot',
  tv: 'TV',
  console: 'Console',
  other: 'Other',
};

export const DESKTOP_OS: ReadonlySet<OsFamily> = new Set(['Windows', 'macOS', 'Linux', 'ChromeOS', 'FreeBSD', 'OpenBSD']);
