// Generated lines for every cloud format, for bench/formats-throughput.mjs:
// the documented layouts with varied values — client addresses (a fifth
// IPv6), user agents from a pool of real ones, paths with ids and query
// strings (tokens, an e-mail address now and then), statuses, sizes and
// times spread over the hour before `end` — deterministic for a seed.
//
//   import { generate } from './formats-gen.mjs';
//   const text = generate('alb', 100_000, Date.now() - 3_600_000);

const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 Edg/123.0.2420.97',
  'curl/8.5.0',
  'python-requests/2.31.0',
  'okhttp/4.12.0',
];
const PATHS = ['/', '/index.html', '/static/app.js', '/static/app.css', '/img/logo.png', '/api/items/', '/api/users/', '/search', '/login', '/account/orders/'];
const QUERIES = ['', '', '', '?page=2', '?q=shoes&sort=price', '?utm_source=news&utm_medium=email', '?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig0123456789abcdef', '?email=jo.doe%40example.com', '?id='];
const STATUSES = [200, 200, 200, 200, 200, 304, 301, 404, 500, 204];

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const iso6 = (t, us) => `${new Date(t).toISOString().slice(0, 23)}${pad(us, 3)}Z`;
const dateTime = (t, sep) => {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}${sep}${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};
const clf = (t, ms) => {
  const d = new Date(t);
  return `${pad(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${ms ? `.${pad(d.getUTCMilliseconds(), 3)}` : ' +0000'}`;
};

/** The values every generator draws from. */
function draw(r) {
  const v6 = r() < 0.2;
  const ip = v6 ? `2001:db8:${Math.floor(r() * 0xffff).toString(16)}::${Math.floor(r() * 0xffff).toString(16)}` : `${11 + Math.floor(r() * 200)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
  const q = QUERIES[Math.floor(r() * QUERIES.length)];
  const path = PATHS[Math.floor(r() * PATHS.length)] + (q === '?id=' ? `?id=${Math.floor(r() * 1e6)}` : q);
  return {
    ip,
    port: 1024 + Math.floor(r() * 60000),
    target: `10.0.${Math.floor(r() * 4)}.${1 + Math.floor(r() * 30)}`,
    ua: UAS[Math.floor(r() * UAS.length)],
    path,
    status: STATUSES[Math.floor(r() * STATUSES.length)],
    bytes: Math.floor(r() * 200000),
    dur: (r() * 0.5).toFixed(3),
    hex16: Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0') + Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0'),
    // A client connection carries a few requests (keep-alive): ids of connections repeat, of requests do not.
    conn: Math.floor(r() * 4096).toString(16).padStart(4, '0'),
    us: Math.floor(r() * 1000),
  };
}

const GEN = {
  alb: (r, t) => {
    const v = draw(r);
    return `https ${iso6(t, v.us)} app/my-loadbalancer/50dc6c495c0c9188 ${v.ip}:${v.port} ${v.target}:80 0.000 ${v.dur} 0.000 ${v.status} ${v.status} 310 ${v.bytes} "GET https://www.example.com:443${v.path} HTTP/1.1" "${v.ua}" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-${v.hex16}4c4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 ${iso6(t - 40, v.us)} "forward" "-" "-" "${v.target}:80" "${v.status}" "-" "-" TID_1234abcd5678${v.conn} "-" "-" "-"`;
  },
  elb: (r, t) => {
    const v = draw(r);
    return `${iso6(t, v.us)} my-loadbalancer ${v.ip}:${v.port} ${v.target}:80 0.000073 ${v.dur}048 0.000057 ${v.status} ${v.status} 0 ${v.bytes} "GET http://www.example.com:80${v.path} HTTP/1.1" "${v.ua}" - -`;
  },
  s3: (r, t) => {
    const v = draw(r);
    return `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be DOC-EXAMPLE-BUCKET1 [${clf(t, false)}] ${v.ip} arn:aws:iam::123456789012:user/u${v.port} ${v.hex16.toUpperCase().slice(0, 16)} REST.GET.OBJECT photos/${v.port}.jpg "GET /DOC-EXAMPLE-BUCKET1/photos/${v.port}.jpg HTTP/1.1" ${v.status} - ${v.bytes} ${v.bytes} ${v.port % 100} ${v.port % 10} "-" "${v.ua}" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com TLSv1.2 - -`;
  },
  cloudfront: (r, t) => {
    const v = draw(r);
    const [stem, query] = v.path.split('?');
    return [dateTime(t, '\t'), 'LAX1', v.bytes, v.ip, 'GET', 'd111111abcdef8.cloudfront.net', stem, v.status, '-', encodeURI(v.ua).replace(/%25/g, '%2525'), query === undefined ? '-' : query.replace(/%40/g, '%2540'), '-', 'Hit', `${v.hex16}${v.hex16}XV6Q4rgb7XiVGOHms_BG==`, 'www.example.com', 'https', 23, v.dur, '-', 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', 'Hit', 'HTTP/2.0', '-', '-', v.port, v.dur, 'Hit', 'text/html', 78, '-', '-'].join('\t');
  },
  vpcflow: (r, t) => {
    const v = draw(r);
    const s = Math.floor(t / 1000);
    return `2 123456789010 eni-1235b8ca123456789 ${v.ip} 172.31.16.21 ${v.port} 443 6 ${v.port % 50} ${v.bytes} ${s} ${s + 60} ${r() < 0.9 ? 'ACCEPT' : 'REJECT'} OK`;
  },
  gcp_lb: (r, t) => {
    const v = draw(r);
    return JSON.stringify({ insertId: v.hex16, jsonPayload: { '@type': 'type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry', statusDetails: 'response_sent_by_backend' }, httpRequest: { requestMethod: 'GET', requestUrl: `https://www.example.com${v.path}`, requestSize: '577', status: v.status, responseSize: String(v.bytes), userAgent: v.ua, remoteIp: v.ip, serverIp: `${v.target}`, latency: `${v.dur}s`, protocol: 'HTTP/1.1' }, resource: { type: 'http_load_balancer', labels: { zone: 'global', url_map_name: 'web-map', forwarding_rule_name: 'web-rule', target_proxy_name: 'web-proxy', backend_service_name: 'web-backend', project_id: 'my-project-123' } }, timestamp: iso6(t, v.us), severity: 'INFO', logName: 'projects/my-project-123/logs/requests', trace: `projects/my-project-123/traces/${v.hex16}${v.hex16}`, receiveTimestamp: iso6(t + 400, v.us), spanId: v.hex16 });
  },
  cloudflare: (r, t) => {
    const v = draw(r);
    return `{"ClientIP":"${v.ip}","ClientRequestHost":"www.example.com","ClientRequestMethod":"GET","ClientRequestURI":${JSON.stringify(v.path)},"ClientRequestUserAgent":${JSON.stringify(v.ua)},"ClientCountry":"se","EdgeEndTimestamp":${BigInt(t + 30) * 1_000_000n + 123n},"EdgeResponseBytes":${v.bytes},"EdgeResponseStatus":${v.status},"EdgeStartTimestamp":${BigInt(t) * 1_000_000n + 200n},"CacheCacheStatus":"hit","RayID":"${v.hex16}"}`;
  },
  azure_frontdoor: (r, t) => {
    const v = draw(r);
    return JSON.stringify({ time: `${new Date(t).toISOString().slice(0, 23)}0764Z`, resourceId: '/SUBSCRIPTIONS/00000000-1111-2222-3333-444444444444/RESOURCEGROUPS/WEB/PROVIDERS/MICROSOFT.CDN/PROFILES/AFDPROFILE', category: 'FrontDoorAccessLog', operationName: 'Microsoft.Cdn/Profiles/AccessLog/Write', properties: { trackingReference: `0mMxsXwAAAAB${v.hex16}R7R0`, httpMethod: 'GET', httpVersion: '2.0', requestUri: `https://www.example.com:443${v.path}`, hostName: 'www.example.com', requestBytes: '710', responseBytes: String(v.bytes), userAgent: v.ua, clientIp: v.ip, socketIp: v.ip, clientPort: String(v.port), timeToFirstByte: v.dur, timeTaken: v.dur, securityProtocol: 'TLS 1.2', endpoint: 'web-abc.z01.azurefd.net', httpStatusCode: String(v.status), pop: 'WST', cacheStatus: 'HIT' } });
  },
  w3c: (r, t) => {
    const v = draw(r);
    const [stem, query] = v.path.split('?');
    return `${dateTime(t, ' ')} 192.0.2.10 GET ${stem} ${query ?? '-'} 443 - ${v.ip} ${v.ua.replace(/ /g, '+')} - ${v.status} 0 0 ${v.port % 500}`;
  },
  haproxy: (r, t) => {
    const v = draw(r);
    return `Mar 14 13:00:00 lb1 haproxy[2211]: ${v.ip}:${v.port} [${clf(t, true)}] www~ app/web${v.port % 4} 1/0/2/${v.port % 90}/${v.port % 100} ${v.status} ${v.bytes} - - ---- 12/12/3/1/0 0/0 "GET ${v.path} HTTP/1.1"`;
  },
  caddy: (r, t) => {
    const v = draw(r);
    return `{"level":"info","ts":${(t / 1000).toFixed(7)},"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"${v.ip}","remote_port":"${v.port}","client_ip":"${v.ip}","proto":"HTTP/2.0","method":"GET","host":"www.example.com","uri":${JSON.stringify(v.path)},"headers":{"User-Agent":[${JSON.stringify(v.ua)}],"Accept":["*/*"],"Accept-Encoding":["gzip, deflate, br"]},"tls":{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2","server_name":"www.example.com"}},"bytes_read":0,"user_id":"","duration":${v.dur},"size":${v.bytes},"status":${v.status},"resp_headers":{"Server":["Caddy"],"Content-Type":["text/html; charset=utf-8"]}}`;
  },
  cdr: (r, t) => {
    const v = draw(r);
    const sub = v.port % 500;
    const off = ['+01:00', 'Z', '-05:00'][v.port % 3];
    const local = new Date(t + (off === 'Z' ? 0 : off === '+01:00' ? 3_600_000 : -18_000_000)).toISOString().slice(0, 19);
    return `{"record_type":"data","start_time":"${local}${off}","duration":${v.port % 3600},"msisdn":"${sub % 2 ? '+' : ''}1555555${pad(sub, 4)}","imsi":"00101${pad(sub, 10)}","imei":"35345907${pad(sub * 37, 6)}2","apn":"internet","rat":"EUTRAN","cell_id":"001-01-${26452000 + sub * 256}","tac":"${12800 + (sub % 16)}","ue_ip":"${v.ip}","protocol":"tcp","src_port":${v.port},"dst_ip":"198.51.100.${sub % 255}","dst_port":443,"bytes_up":${v.bytes},"bytes_down":${v.bytes * 7},"charging_id":${v.port * 1000},"close_cause":"normalRelease"}`;
  },
};

/** Header lines of formats whose files start with one (written once, first). */
const HEADERS = {
  cloudfront: '#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n',
  w3c: '#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n',
};

export const FORMATS = Object.keys(GEN);
export const JSON_FORMATS = new Set(['gcp_lb', 'cloudflare', 'azure_frontdoor', 'caddy', 'cdr']);

/** `n` lines of `format`, timed over the hour before `end`, as one text (with the format's header first). */
export function generate(format, n, end, seed = 7) {
  const r = rng(seed);
  const parts = [HEADERS[format] ?? ''];
  for (let i = 0; i < n; i++) parts.push(GEN[format](r, end - 3_600_000 + Math.floor((i / n) * 3_600_000)), '\n');
  return parts.join('');
}
