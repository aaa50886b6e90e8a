/**
 * Word lists for the corpus: made-up people, example domains, user agents,
 * routes. Every person is invented; every domain is an example domain or a
 * made-up one under `.example`.
 */

export const FIRST_NAMES = [
  'Anna', 'Björn', 'Åsa', 'Karin', 'Lars', 'Märta', 'Erik', 'Sofia', 'Oskar', 'Elin', 'Göran', 'Ingrid', 'Jonna', 'Maja',
  'Linnéa', 'Olof', 'Ulla', 'Tove', 'Sören', 'Agnes', 'Hugo', 'Astrid', 'Nils', 'Ebba', 'Viktor', 'Saga', 'Mohammed', 'Fatima',
  'Jürgen', 'Zoë', 'Łukasz', 'José', 'Siobhán', 'Aleksandra', 'Mikael', 'Johanna', 'Pernilla', 'Kerstin', 'Åke', 'Örjan',
  'Gunnel', 'Leila', 'Yusuf', 'Amira', 'Henrik', 'Frida', 'Gustav', 'Klara', 'Ronja', 'Emil',
];
export const LAST_NAMES = [
  'Svensson', 'Lindqvist', 'Öberg', 'Berg', 'Ängström', 'Nyström', 'Johansson', 'Karlsson', 'Nilsson', 'Holm', 'Hassan',
  'Müller', 'Wiśniewski', 'Martínez', 'Lindström', 'Bäckström', 'Åberg', 'Sjögren', 'Eklund', 'Forsberg', 'Hedlund',
  'Lundgren', 'Wallin', 'Björk', 'Ström', 'Sandberg', 'Engström', 'Dahlén', 'Håkansson', 'Gustafsson', 'Persson',
  'Öztürk', 'Nguyen', 'Kowalski', 'Petrović', 'Abdullahi', 'Virtanen', 'Korhonen', 'Løvland', 'Ødegård',
];

export const PLAIN_DOMAINS = ['example.se', 'example.com', 'exempel.se', 'mail.example.org', 'student.example.se', 'kommun.example.se', 'foretaget.example'];
export const IDN_DOMAINS = ['företaget.example', 'räksmörgås.example.se', 'bäckström-bygg.example', 'ålands-post.example', 'östra-vården.example.se', 'müller-gmbh.example.de'];

export const SITES = ['www.example.se', 'shop.example.se', 'api.example.se', 'minasidor.example.se', 'login.example.se', 'app.example.com', 'portal.exempel.se'];
export const EXTERNAL = ['files.example.se', 'partner.example.net', 'cdn.example.com', 'sso.example.org', 'crm.example.se', 'proxy.example.se'];

/** Routes that carry a query string or an identifier in real sites. */
export const ROUTES = [
  '/', '/search', '/sok', '/account/settings', '/checkout', '/login', '/oauth2/authorize', '/auth/callback', '/reset-password',
  '/unsubscribe', '/track', '/pixel.gif', '/collect', '/r', '/redirect', '/out', '/api/v1/contacts', '/api/graphql', '/index.php',
  '/cart', '/produkter/skor', '/kundservice/kontakt', '/mina-sidor/profil', '/api/v2/notify', '/webhooks/sms', '/verify',
  '/newsletter/subscribe', '/booking/confirm', '/api/v1/lookup', '/kontakt', '/bestall', '/support/ticket',
];
export const ASSET_PATHS = ['/favicon.ico', '/robots.txt', '/assets/logo.svg', '/fonts/inter.woff2', '/img/hero.webp', '/health'];

export const METHODS = [[70, 'GET'], [20, 'POST'], [4, 'PUT'], [3, 'HEAD'], [2, 'DELETE'], [1, 'PATCH']];
export const STATUSES = [[60, '200'], [10, '302'], [8, '404'], [6, '304'], [4, '500'], [4, '403'], [3, '401'], [3, '400'], [2, '201']];

export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
  'curl/8.5.0',
  'python-requests/2.31.0',
  'okhttp/4.12.0',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Dalvik/2.1.0 (Linux; U; Android 13; Pixel 7 Build/TQ3A.230901.001)',
  'MinaSidor/5.12.0 (iPhone; iOS 17.4; Scale/3.00)',
];

/** Realistic client addresses (documentation and made-up ISP ranges, as real logs mix them). */
export const CLIENT_V4_PREFIXES = ['81.6', '193.10', '85.229', '90.76', '83.233', '130.237', '194.47', '213.89', '78.70', '46.39', '155.4', '31.208'];

export const BENIGN_PARAMS = [
  ['utm_source', ['newsletter', 'google', 'facebook', 'sms']], ['utm_medium', ['email', 'cpc', 'social']], ['utm_campaign', ['var2026', 'rea', 'black-friday']],
  ['page', ['1', '2', '3', '12']], ['per_page', ['20', '50']], ['sort', ['price', 'name', '-created']], ['lang', ['sv', 'en', 'fi']], ['locale', ['sv-SE', 'en-GB']],
  ['format', ['json', 'html']], ['view', ['grid', 'list']], ['step', ['2', 'confirm']], ['type', ['private', 'business']],
];

export const SV_WORDS = ['hej', 'tack', 'kontakta', 'kund', 'ärende', 'bokning', 'faktura', 'leverans', 'återbetalning', 'fel', 'prova', 'igen'];
