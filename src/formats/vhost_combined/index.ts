/** `vhost_combined`: Apache's `%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`. */
import { formatClfTime } from '../../time/format-timestamp.js';
import { builtinTextFormat } from '../engines/template/entry.js';

export const VHOST_COMBINED = '$host:$server_port $remote_addr $remote_logname $remote_user [$time_local] "$request" $status $bytes_sent "$http_referer" "$http_user_agent"';

export const vhostCombinedFormat = builtinTextFormat('vhost_combined', 'Apache vhost_combined (%v:%p before combined)', VHOST_COMBINED, 20, {
  lines: (ms) => [
    `www.example.com:443 127.0.0.1 - frank [${formatClfTime(ms - 60_000)}] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`,
    `api.example.se:8443 2001:db8::1 - - [${formatClfTime(ms - 120_000)}] "GET /v1/items HTTP/2.0" 200 512 "-" "okhttp/4.12.0"`,
  ],
});
