/**
 * `combined`: NCSA Combined — nginx's default `combined`, Apache `combined`.
 * Fields appended after it (nginx `main`'s `"$http_x_forwarded_for"`,
 * `$request_time`) are allowed; `formats.combined.extra_fields` names them.
 * Apache's `%l` (identd logname, almost always `-`) is `$remote_logname`,
 * where nginx writes a literal `-`: as a field, Apache lines with an identd
 * answer parse too (and the policy drops it).
 */
import { formatClfTime } from '../../time/format-timestamp.js';
import { builtinTextFormat } from '../engines/template/entry.js';

export const COMBINED = '$remote_addr $remote_logname $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

export const combinedFormat = builtinTextFormat('combined', 'nginx/Apache combined; appended fields allowed (formats.combined.extra_fields names them)', COMBINED, 30, {
  // The first is the example of Apache's log documentation (https://httpd.apache.org/docs/2.4/logs.html#combined), restamped.
  lines: (ms) => [
    `127.0.0.1 - frank [${formatClfTime(ms - 60_000)}] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`,
    `2001:db8::7 - - [${formatClfTime(ms - 120_000)}] "POST /login HTTP/2.0" 302 0 "-" "curl/8.5.0" "10.0.0.1"`,
  ],
});
