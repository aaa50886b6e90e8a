import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGallraError } from '../../src/errors.js';
import {
  classifyUserAgent,
  createUserAgentGeneraliser,
  generaliseUserAgent,
  type UserAgentInfo,
} from '../../src/transforms/generalise-user-agent/generalise-user-agent.js';

const OTHER = 'Other/0 (Other; Other)';
/** Property tests run the same cases on every run: CI must not turn red on a draw (longer local runs look further). */
const FC_SEED = 0x0a9e7;

type Row = readonly [name: string, ua: string, info: UserAgentInfo, output: string];

const info = (family: string, major: string, os: string, device: UserAgentInfo['device']): UserAgentInfo => ({ family, major, os, device });

// Real-world UA strings (as seen in access logs in 2024) and what must come out.
const TABLE: readonly Row[] = [
  [
    'desktop Chrome on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    info('Chrome', '124', 'Windows', 'desktop'),
    'Mozilla/5.0 (Windows NT; Desktop) Chrome/124',
  ],
  [
    'desktop Chrome on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    info('Chrome', '124', 'macOS', 'desktop'),
    'Mozilla/5.0 (Mac OS X; Desktop) Chrome/124',
  ],
  [
    'Firefox on Linux',
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    info('Firefox', '125', 'Linux', 'desktop'),
    'Mozilla/5.0 (Linux; Desktop) Firefox/125',
  ],
  [
    'Safari on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
    info('Safari', '17', 'macOS', 'desktop'),
    'Mozilla/5.0 (Mac OS X; Desktop) Safari/17',
  ],
  [
    'Safari on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
    info('Safari', '17', 'iOS', 'mobile'),
    'Mozilla/5.0 (iPhone; Mobile) Safari/17',
  ],
  [
    'Safari on iPad (which also says Mobile/)',
    'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    info('Safari', '17', 'iOS', 'tablet'),
    'Mozilla/5.0 (iPad; Tablet) Safari/17',
  ],
  [
    'Chrome on iOS (CriOS)',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
    info('Chrome', '124', 'iOS', 'mobile'),
    'Mozilla/5.0 (iPhone; Mobile) Chrome/124',
  ],
  [
    'Firefox on iOS (FxiOS)',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15',
    info('Firefox', '125', 'iOS', 'mobile'),
    'Mozilla/5.0 (iPhone; Mobile) Firefox/125',
  ],
  [
    'Edge on Windows (Edg/)',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67',
    info('Edge', '124', 'Windows', 'desktop'),
    'Mozilla/5.0 (Windows NT; Desktop) Edge/124',
  ],
  [
    'Edge on Android (EdgA/)',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.64',
    info('Edge', '124', 'Android', 'mobile'),
    'Mozilla/5.0 (Android; Mobile) Edge/124',
  ],
  [
    'Edge on iOS (EdgiOS/)',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/124.2478.50 Mobile/15E148 Safari/605.1.15',
    info('Edge', '124', 'iOS', 'mobile'),
    'Mozilla/5.0 (iPhone; Mobile) Edge/124',
  ],
  [
    'Opera (OPR/)',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 OPR/109.0.0.0',
    info('Opera', '109', 'Windows', 'desktop'),
    'Mozilla/5.0 (Windows NT; Desktop) Opera/109',
  ],
  [
    'Presto-era Opera, whose version is in Version/',
    'Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18',
    info('Opera', '12', 'Windows', 'desktop'),
    'Mozilla/5.0 (Windows NT; Desktop) Opera/12',
  ],
  [
    'Samsung Internet',
    'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
    info('Samsung Internet', '24', 'Android', 'mobile'),
    'Mozilla/5.0 (Android; Mobile) SamsungBrowser/24',
  ],
  [
    'Yandex Browser',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 YaBrowser/24.4.0.0 Safari/537.36',
    info('Yandex Browser', '24', 'Windows', 'desktop'),
    'Mozilla/5.0 (Windows NT; Desktop) YaBrowser/24',
  ],
  [
    'Vivaldi',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Vivaldi/6.7.3329.21',
    info('Vivaldi', '6', 'Linux', 'desktop'),
    'Mozilla/5.0 (Linux; Desktop) Vivaldi/6',
  ],
  [
    'UC Browser',
    'Mozilla/5.0 (Linux; U; Android 10; en-US; RMX2020 Build/QP1A.190711.020) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/13.4.0.1306 Mobile Safari/537.36',
    info('UC Browser', '13', 'Android', 'mobile'),
    'Mozilla/5.0 (Android; Mobile) UCBrowser/13',
  ],
  [
    'Chromium',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/83.0.4103.61 Chrome/83.0.4103.61 Safari/537.36',
    info('Chromium', '83', 'Linux', 'desktop'),
    'Mozilla/5.0 (Linux; Desktop) Chromium/83',
  ],
  [
    'IE 11 (Trident, version in rv:)',
    'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko',
    info('IE', '11', 'Windows', 'desktop'),
    'Mozilla/5.0 (Windows NT; Desktop) MSIE/11',
  ],
  [
    'IE 10 (MSIE)',
    'Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)',
    info('IE', '10', 'Windows', 'desktop'),
    'Mozilla/5.0 (Windows NT; Desktop) MSIE/10',
  ],
  [
    'Facebook in-app browser on iOS',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/459.0.0.44.104;FBBV/593520134;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.4;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]',
    info('Facebook', '459', 'iOS', 'mobile'),
    'Mozilla/5.0 (iPhone; Mobile) FBAV/459',
  ],
  [
    'Instagram in-app browser on Android',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP1A.240405.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36 Instagram 329.0.0.41.93 Android (34/14; 420dpi; 1080x2400; Google/google; Pixel 8; shiba; shiba; en_US; 590134876)',
    info('Instagram', '329', 'Android', 'mobile'),
    'Mozilla/5.0 (Android; Mobile) Instagram/329',
  ],
  [
    'Chrome on an Android phone',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
    info('Chrome', '124', 'Android', 'mobile'),
    'Mozilla/5.0 (Android; Mobile) Chrome/124',
  ],
  [
    'Chrome on an Android tablet (no Mobile token)',
    'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    info('Chrome', '124', 'Android', 'tablet'),
    'Mozilla/5.0 (Android; Tablet) Chrome/124',
  ],
  [
    'Firefox on an Android tablet (Tablet token)',
    'Mozilla/5.0 (Android 13; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0',
    info('Firefox', '125', 'Android', 'tablet'),
    'Mozilla/5.0 (Android; Tablet) Firefox/125',
  ],
  [
    'Chrome on ChromeOS',
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    info('Chrome', '124', 'ChromeOS', 'desktop'),
    'Mozilla/5.0 (CrOS; Desktop) Chrome/124',
  ],
  [
    'Firefox on FreeBSD',
    'Mozilla/5.0 (X11; FreeBSD amd64; rv:109.0) Gecko/20100101 Firefox/115.0',
    info('Firefox', '115', 'FreeBSD', 'desktop'),
    'Mozilla/5.0 (FreeBSD; Desktop) Firefox/115',
  ],
  [
    'a Samsung Tizen smart TV',
    'Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36',
    info('Safari', '0', 'Other', 'tv'),
    'Mozilla/5.0 (Other; TV) Safari/0',
  ],
  [
    'an Xbox',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edge/44.18363.8131',
    info('Edge', '44', 'Windows', 'console'),
    'Mozilla/5.0 (Windows NT; Console) Edge/44',
  ],
  [
    'a PlayStation 5',
    'Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15',
    info('Safari', '13', 'Other', 'console'),
    'Mozilla/5.0 (Other; Console) Safari/13',
  ],
  [
    'Windows Phone, which also claims Android and iPhone',
    'Mozilla/5.0 (Mobile; Windows Phone 8.1; Android 4.0; ARM; Trident/7.0; Touch; rv:11.0; IEMobile/11.0; NOKIA; Lumia 635) like iPhone OS 7_0_3 Mac OS X AppleWebKit/537 (KHTML, like Gecko) Mobile Safari/537',
    info('IE', '11', 'Windows', 'mobile'),
    'Mozilla/5.0 (Windows NT; Mobile) MSIE/11',
  ],
  [
    'a Cubot phone (not a bot despite the name)',
    'Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
    info('Chrome', '124', 'Android', 'mobile'),
    'Mozilla/5.0 (Android; Mobile) Chrome/124',
  ],
  [
    'HeadlessChrome (automation, so device bot)',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36',
    info('HeadlessChrome', '124', 'Linux', 'bot'),
    'Mozilla/5.0 (Linux; Bot) HeadlessChrome/124',
  ],
  [
    'Googlebot desktop',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    info('Googlebot', '2', 'Other', 'bot'),
    'Mozilla/5.0 (Other; Bot; Googlebot/2; +http://bot.invalid)',
  ],
  [
    'Googlebot smartphone, despite its Chrome/ and Android tokens',
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.201 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    info('Googlebot', '2', 'Android', 'bot'),
    'Mozilla/5.0 (Android; Bot; Googlebot/2; +http://bot.invalid)',
  ],
  [
    'bingbot',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
    info('bingbot', '2', 'Other', 'bot'),
    'Mozilla/5.0 (Other; Bot; bingbot/2; +http://bot.invalid)',
  ],
  [
    'Applebot, which carries a full Safari UA',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)',
    info('Applebot', '0', 'macOS', 'bot'),
    'Mozilla/5.0 (Mac OS X; Bot; Applebot/0; +http://bot.invalid)',
  ],
  [
    'LinkedInBot, which also names Apache-HttpClient',
    'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
    info('LinkedInBot', '1', 'Other', 'bot'),
    'Mozilla/5.0 (Other; Bot; LinkedInBot/1; +http://bot.invalid)',
  ],
  [
    'an unnamed crawler (generic Bot)',
    'Mozilla/5.0 (compatible; Barkrowler/0.9; +https://babbar.tech/crawler)',
    info('Bot', '0', 'Other', 'bot'),
    'Mozilla/5.0 (Other; Bot; Bot/0; +http://bot.invalid)',
  ],
  ['kube-probe', 'kube-probe/1.29', info('kube-probe', '1', 'Other', 'bot'), 'Mozilla/5.0 (Other; Bot; kube-probe/1; +http://bot.invalid)'],
  ['curl', 'curl/8.5.0', info('curl', '8', 'Other', 'bot'), 'curl/8 (Other; Bot)'],
  ['python-requests', 'python-requests/2.31.0', info('python-requests', '2', 'Other', 'bot'), 'python-requests/2 (Other; Bot)'],
  ['Apache-HttpClient, which also names Java', 'Apache-HttpClient/4.5.14 (Java/17.0.10)', info('Apache-HttpClient', '4', 'Other', 'bot'), 'Apache-HttpClient/4 (Other; Bot)'],
  ['garbage', 'xyzzy', info('Other', '0', 'Other', 'other'), OTHER],
  ['an iOS webview without a browser token', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148', info('Other', '0', 'iOS', 'mobile'), OTHER],
];

// Further bots and libraries the module must name; [ua, family, major].
const NAMED: readonly (readonly [string, string, string])[] = [
  ['Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', 'YandexBot', '3'],
  ['Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', 'AhrefsBot', '7'],
  ['Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)', 'SemrushBot', '7'],
  ['Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)', 'DotBot', '1'],
  ['Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)', 'MJ12bot', '0'],
  ['DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)', 'DuckDuckBot', '1'],
  ['Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)', 'Baiduspider', '2'],
  ['facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'facebookexternalhit', '1'],
  ['Twitterbot/1.0', 'Twitterbot', '1'],
  ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'Slackbot', '0'],
  ['Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)', 'GPTBot', '1'],
  ['Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)', 'ClaudeBot', '1'],
  ['Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)', 'CensysInspect', '1'],
  ['Mozilla/5.0 zgrab/0.x', 'zgrab', '0'],
  ['Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', 'UptimeRobot', '2'],
  ['Prometheus/2.51.2', 'Prometheus', '2'],
  ['ELB-HealthChecker/2.0', 'ELB-HealthChecker', '2'],
  ['Mozilla/5.0 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)', 'Bot', '0'],
  ['Wget/1.21.4', 'Wget', '1'],
  ['Python-urllib/3.11', 'Python-urllib', '3'],
  ['Go-http-client/2.0', 'Go-http-client', '2'],
  ['okhttp/4.12.0', 'okhttp', '4'],
  ['axios/1.6.8', 'axios', '1'],
  ['node-fetch/1.0 (+https://github.com/bitinn/node-fetch)', 'node-fetch', '1'],
  ['Java/17.0.10', 'Java', '17'],
  ['libwww-perl/6.72', 'libwww-perl', '6'],
  ['PostmanRuntime/7.37.3', 'PostmanRuntime', '7'],
];

const REAL_UAS = [...TABLE.map((r) => r[1]), ...NAMED.map((r) => r[0])];

// Everything the output may say, written out independently of the module so
// that a token sneaking in from the input, or a new shape, fails here.
const OS_TOKENS = ['Windows NT', 'Mac OS X', 'iPhone', 'iPad', 'AppleTV', 'Android', 'Linux', 'CrOS', 'FreeBSD', 'OpenBSD', 'Other'];
const DEVICE_TOKENS = ['Desktop', 'Mobile', 'Tablet', 'Bot', 'TV', 'Console', 'Other'];
const BROWSER_TOKENS = ['Chrome', 'Chromium', 'Edge', 'Firefox', 'Safari', 'Opera', 'SamsungBrowser', 'YaBrowser', 'Vivaldi', 'UCBrowser', 'MSIE', 'FBAV', 'Instagram', 'HeadlessChrome'];
const CRAWLER_TOKENS = [
  'Googlebot', 'bingbot', 'YandexBot', 'AhrefsBot', 'SemrushBot', 'DotBot', 'MJ12bot', 'Applebot', 'DuckDuckBot', 'Baiduspider',
  'facebookexternalhit', 'Twitterbot', 'LinkedInBot', 'Slackbot', 'GPTBot', 'ClaudeBot', 'CensysInspect', 'zgrab', 'UptimeRobot',
  'Prometheus', 'kube-probe', 'ELB-HealthChecker', 'Bot',
];
const LIBRARY_TOKENS = [
  'curl', 'Wget', 'python-requests', 'Python-urllib', 'Go-http-client', 'okhttp', 'axios', 'node-fetch', 'Apache-HttpClient', 'Java',
  'libwww-perl', 'PostmanRuntime',
];
const TEMPLATE_PIECES = ['Mozilla/5.0 (', '; +http://bot.invalid)', OTHER];
const VOCABULARY = [...TEMPLATE_PIECES, ...OS_TOKENS, ...DEVICE_TOKENS, ...BROWSER_TOKENS, ...CRAWLER_TOKENS, ...LIBRARY_TOKENS].sort(
  (a, b) => b.length - a.length,
);

const alt = (xs: readonly string[]): string => `(?:${xs.map((x) => x.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|')})`;
const OS = alt(OS_TOKENS);
const OUTPUT_GRAMMAR = new RegExp(
  '^(?:' +
    [
      `Mozilla/5\\.0 \\(${OS}; ${alt(DEVICE_TOKENS)}\\) ${alt(BROWSER_TOKENS)}/\\d{1,4}`,
      `Mozilla/5\\.0 \\(${OS}; Bot; ${alt(CRAWLER_TOKENS)}/\\d{1,4}; \\+http://bot\\.invalid\\)`,
      `${alt(LIBRARY_TOKENS)}/\\d{1,4} \\(${OS}; Bot\\)`,
      'Other/0 \\(Other; Other\\)',
      '-',
    ].join('|') +
    ')$',
);

// Case-insensitive substrings at least one of which every recognised UA
// contains (coarser than the module's own needles, which is the safe side).
const FAMILY_NEEDLES = [
  'chrome', 'crios', 'edg', 'firefox', 'fxios', 'safari', 'opr', 'opera', 'opios', 'samsungbrowser', 'yabrowser', 'vivaldi', 'ucbrowser',
  'msie', 'trident', 'fban', 'fbav', 'instagram', 'bot', 'crawl', 'spider', 'facebookexternalhit', 'censysinspect', 'zgrab', 'prometheus',
  'kube-probe', 'elb-healthchecker', ...LIBRARY_TOKENS.map((t) => t.toLowerCase()),
];
const mentionsFamily = (s: string): boolean => {
  const lower = s.toLowerCase();
  return FAMILY_NEEDLES.some((n) => lower.includes(n));
};

// UA-looking pieces that name no family.
const NEUTRAL_FRAGMENTS = [
  'Mozilla/5.0 ', '(Windows NT 10.0; Win64; x64) ', '(Macintosh; Intel Mac OS X 10_15_7) ', '(X11; Linux x86_64) ', '(iPhone; CPU iPhone OS 17_4 like Mac OS X) ',
  '(Linux; Android 14; Pixel 8) ', 'AppleWebKit/537.36 ', '(KHTML, like Gecko) ', 'Version/17.4 ', 'Mobile/15E148 ', 'Gecko/20100101 ', 'rv:125.0', '; ', ')', '(',
  '/', '"', '\\', '\n', '\u0000', '\u007f', '-', 'SmartTV', 'PlayStation', 'Tablet', '; Desktop)', '; TV)',
];
// Pieces that do name families, for inputs that should be recognised.
const FAMILY_FRAGMENTS = [
  'Chrome/124.0.0.0 ', 'Safari/605.1.15 ', 'Firefox/125.0 ', 'Edg/124.0 ', 'OPR/109.0 ', 'SamsungBrowser/24.0 ', 'CriOS/124.0 ', 'MSIE 10.0; ',
  'Trident/7.0; rv:11.0', 'FBAV/459.0; ', 'Instagram 329.0 ', 'Googlebot/2.1; ', 'bingbot/2.0 ', 'curl/8.5.0', 'Java/17', 'crawler', 'Chrome/123456 ',
];

const junk = fc.string({ unit: 'binary', maxLength: 30 });
const uaLike = (fragments: readonly string[]): fc.Arbitrary<string> =>
  fc.array(fc.oneof(fc.constantFrom(...fragments), junk), { maxLength: 14 }).map((parts) => parts.join(''));
const realWithInsert = fc
  .tuple(fc.constantFrom(...REAL_UAS), fc.oneof(junk, fc.stringMatching(/^[A-Za-z0-9=:_-]{8,40}$/)), fc.nat())
  .map(([ua, insert, at]) => {
    const i = at % (ua.length + 1);
    return ua.slice(0, i) + insert + ua.slice(i);
  });
const anyInput = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(...REAL_UAS),
  realWithInsert,
  uaLike([...NEUTRAL_FRAGMENTS, ...FAMILY_FRAGMENTS]),
);

/** Every 8-character run of `output`, outside allow-listed vocabulary, that also occurs in `input`. */
function leakedRuns(input: string, output: string): string[] {
  let masked = output;
  for (const word of VOCABULARY) masked = masked.split(word).join('\u0000');
  const leaks: string[] = [];
  for (let i = 0; i + 8 <= masked.length; i++) {
    const window = masked.slice(i, i + 8);
    if (!window.includes('\u0000') && input.includes(window)) leaks.push(window);
  }
  return leaks;
}

describe('classifyUserAgent and generaliseUserAgent on real user agents', () => {
  it.each(TABLE)('classify %s', (_name, ua, expected) => {
    expect(classifyUserAgent(ua)).toEqual(expected);
  });

  it.each(TABLE)('generalise %s', (_name, ua, _info, expected) => {
    expect(generaliseUserAgent(ua)).toBe(expected);
  });

  it.each(NAMED)('names the bot or client library in %s', (ua, family, major) => {
    expect(classifyUserAgent(ua)).toMatchObject({ family, major, device: 'bot' });
  });

  it('keeps the Common Log Format null "-" and turns the empty string into it', () => {
    expect(generaliseUserAgent('-')).toBe('-');
    expect(generaliseUserAgent('')).toBe('-');
  });

  it('classifies "-" and the empty string as Other', () => {
    expect(classifyUserAgent('-')).toEqual(info('Other', '0', 'Other', 'other'));
    expect(classifyUserAgent('')).toEqual(info('Other', '0', 'Other', 'other'));
  });

  it('fails closed on a UA it does not know, even one with OS and device tokens', () => {
    expect(generaliseUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) SomeNewBrowser/3.1')).toBe(OTHER);
    expect(generaliseUserAgent('MyApp/7.3.1 (user=alice@example.com; device-id=3f9c2a7e-1b4d)')).toBe(OTHER);
  });

  it('does not copy ids embedded next to a recognised family', () => {
    const out = generaliseUserAgent('Mozilla/5.0 (Linux; Android 14; SM-S918B; uid=3f9c2a7e1b4d) Chrome/124.0.6367.82 Mobile Safari/537.36 MyApp/7.3.1');
    expect(out).toBe('Mozilla/5.0 (Android; Mobile) Chrome/124');
  });

  it('gives major 0 when the version has more than four digits, since that is likelier an id than a version', () => {
    expect(classifyUserAgent('Mozilla/5.0 (X11; Linux x86_64) Chrome/12345.0 Safari/537.36').major).toBe('0');
    expect(classifyUserAgent('curl/98765432').major).toBe('0');
  });

  it('drops leading zeros from the major and gives 0 when there is no number', () => {
    expect(classifyUserAgent('Mozilla/5.0 (X11; Linux x86_64) Firefox/0125.0').major).toBe('125');
    expect(classifyUserAgent('Mozilla/5.0 (X11; Linux x86_64) Firefox/').major).toBe('0');
  });

  it('classifies a UA longer than 1024 characters on its first 1024 only', () => {
    expect(generaliseUserAgent(`curl/8.5.0 ${'x'.repeat(5000)}`)).toBe('curl/8 (Other; Bot)');
    expect(generaliseUserAgent(`${'x'.repeat(1024)}curl/8.5.0`)).toBe(OTHER);
    expect(generaliseUserAgent(`${'x'.repeat(1019)}curl/8.5.0`)).toBe('curl/0 (Other; Bot)');
  });

  it('returns for a 10 kB garbage UA and for 5000 "(" characters (no catastrophic backtracking)', () => {
    let seed = 42;
    const garbage = Array.from({ length: 10_240 }, () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return String.fromCharCode(32 + (seed % 95));
    }).join('');
    expect(generaliseUserAgent(garbage)).toMatch(OUTPUT_GRAMMAR);
    expect(generaliseUserAgent('('.repeat(5000))).toBe(OTHER);
    expect(generaliseUserAgent('Mozilla/5.0 ('.repeat(800))).toBe(OTHER);
    expect(generaliseUserAgent('CUBOT'.repeat(2000))).toBe(OTHER);
    expect(generaliseUserAgent('Chrome/'.repeat(1500))).toBe('Mozilla/5.0 (Other; Other) Chrome/0');
  });
});

describe('generaliseUserAgent properties', () => {
  it('only ever writes a string of the allowed shapes: no quote, backslash or control character, at most 100 characters', () => {
    fc.assert(
      fc.property(anyInput, (ua) => {
        const out = generaliseUserAgent(ua);
        expect(out).toMatch(OUTPUT_GRAMMAR);
        expect(out).not.toMatch(/["\\\u0000-\u001f\u007f-\u009f]/);
        expect(out.length).toBeLessThanOrEqual(100);
      }),
      { seed: FC_SEED, numRuns: 2000 },
    );
  });

  it('writes the fixed Other string for any input naming no allow-listed family', () => {
    const neutral = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), uaLike(NEUTRAL_FRAGMENTS)).filter((s) => s !== '' && s !== '-' && !mentionsFamily(s));
    fc.assert(
      fc.property(neutral, (ua) => {
        expect(generaliseUserAgent(ua)).toBe(OTHER);
      }),
      { seed: FC_SEED, numRuns: 2000 },
    );
  });

  it('shares no run of 8 or more characters with the input outside the allow-listed vocabulary', () => {
    fc.assert(
      fc.property(anyInput, (ua) => {
        expect(leakedRuns(ua, generaliseUserAgent(ua))).toEqual([]);
      }),
      { seed: FC_SEED, numRuns: 2000 },
    );
  });

  it('writes a Safari release of 100 or more as 0, as it would read its own output back (found by the property below)', () => {
    const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/170a=-0_A-.4.1 Safari/605.1.15';
    expect(generaliseUserAgent(ua)).toBe('Mozilla/5.0 (Mac OS X; Desktop) Safari/0');
    expect(generaliseUserAgent(generaliseUserAgent(ua))).toBe('Mozilla/5.0 (Mac OS X; Desktop) Safari/0');
  });

  it('leaves an already generalised string unchanged', () => {
    fc.assert(
      fc.property(anyInput, (ua) => {
        const once = generaliseUserAgent(ua);
        expect(generaliseUserAgent(once)).toBe(once);
      }),
      { seed: FC_SEED, numRuns: 2000 },
    );
  });

  it('agrees with classifyUserAgent on the family and major it writes', () => {
    fc.assert(
      fc.property(anyInput, (ua) => {
        const { family, major } = classifyUserAgent(ua);
        const out = generaliseUserAgent(ua);
        if (out === '-' || family === 'Other') return;
        expect(out).toContain(`/${major}`);
      }),
      { seed: FC_SEED },
    );
  });
});

describe('createUserAgentGeneraliser', () => {
  it('returns what generaliseUserAgent returns and never holds more than its capacity', () => {
    const pool = [...REAL_UAS, '-', '', 'xyzzy', `curl/8 ${'y'.repeat(2000)}`];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.array(fc.oneof(fc.constantFrom(...pool), junk), { maxLength: 200 }), (cacheSize, uas) => {
        const generalise = createUserAgentGeneraliser({ cacheSize });
        // Capacity is cacheSize rounded up to whole 4-way sets of a power-of-two count.
        expect(generalise.capacity).toBeLessThanOrEqual(cacheSize === 0 ? 0 : 2 * cacheSize + 4);
        for (const ua of uas) {
          expect(generalise(ua)).toBe(generaliseUserAgent(ua));
          expect(generalise.size).toBeLessThanOrEqual(generalise.capacity);
        }
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });

  it('stays within its capacity under a flood of distinct user agents and still answers correctly', () => {
    const generalise = createUserAgentGeneraliser({ cacheSize: 8 });
    for (let i = 0; i < 5000; i++) expect(generalise(`curl/${i % 90}.1 run-${i}`)).toBe(`curl/${i % 90} (Other; Bot)`);
    expect(generalise.size).toBe(generalise.capacity);
    expect(generalise.capacity).toBe(8);
    generalise('curl/8.5.0');
    expect(generalise('curl/8.5.0')).toBe('curl/8 (Other; Bot)'); // a hit returns the same answer
  });

  it('caches by the first 1024 characters, so UAs differing only after that share one entry', () => {
    const generalise = createUserAgentGeneraliser({ cacheSize: 10 });
    const head = `curl/8.5.0 ${'z'.repeat(1100)}`;
    generalise(`${head}a`);
    generalise(`${head}b`);
    expect(generalise.size).toBe(1);
  });

  it('caches nothing with cacheSize 0 and defaults to a bounded cache', () => {
    const off = createUserAgentGeneraliser({ cacheSize: 0 });
    expect(off('curl/8.5.0')).toBe('curl/8 (Other; Bot)');
    expect(off.size).toBe(0);
    const dflt = createUserAgentGeneraliser();
    for (let i = 0; i < 5000; i++) dflt(`curl/${i % 10} ${i}`);
    expect(dflt.size).toBeLessThanOrEqual(dflt.capacity);
    expect(dflt.capacity).toBe(1024);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects cacheSize %s with GALLRA_INTERNAL', (cacheSize) => {
    let caught: unknown;
    try {
      createUserAgentGeneraliser({ cacheSize });
    } catch (e) {
      caught = e;
    }
    expect(isGallraError(caught) && caught.code).toBe('GALLRA_INTERNAL');
  });
});
