/**
 * The access-log entry of Caddy's "Structured logs"
 * (https://caddyserver.com/docs/logging), compacted to one line — the page's
 * pretty-printed JSON has a trailing comma, removed — and a second entry of
 * the same server (an HTTP/1.1 request behind a trusted proxy). See
 * fixtures/caddy/README.md.
 */
import { restamp } from '../engines/fields/restamp.js';

export const CADDY_DOC_LINES: readonly string[] = [
  '{"level":"info","ts":1646861401.5241024,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"41342","client_ip":"127.0.0.1","proto":"HTTP/2.0","method":"GET","host":"localhost","uri":"/","headers":{"User-Agent":["curl/7.82.0"],"Accept":["*/*"],"Accept-Encoding":["gzip, deflate, br"]},"tls":{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2","server_name":"example.com"}},"bytes_read":0,"user_id":"","duration":0.000929675,"size":10900,"status":200,"resp_headers":{"Server":["Caddy"],"Content-Encoding":["gzip"],"Content-Type":["text/html; charset=utf-8"],"Vary":["Accept-Encoding"]}}',
  '{"level":"info","ts":1646861402.0873504,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"10.0.0.5","remote_port":"50022","client_ip":"203.0.113.77","proto":"HTTP/1.1","method":"POST","host":"shop.example.com","uri":"/cart?item=42","headers":{"User-Agent":["Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0"],"X-Forwarded-For":["203.0.113.77"],"Cookie":["REDACTED"]}},"bytes_read":118,"user_id":"","duration":0.0154,"size":512,"status":201,"resp_headers":{"Server":["Caddy"]}}',
];

/** Float seconds moved to end `ms`, with the digits beyond milliseconds kept. */
export const caddyExampleLines = (ms: number): string[] =>
  restamp(CADDY_DOC_LINES, ms, /(?<="ts":)\d{10}\.\d+/g, (m) => Math.floor(Number(m) * 1000), (t, m) => `${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, '0')}${m.split('.')[1]!.slice(3)}`);
