/** `common`: the NCSA Common Log Format (nginx/Apache `common`). */
import { formatClfTime } from '../../time/format-timestamp.js';
import { builtinTextFormat } from '../engines/template/entry.js';

export const COMMON = '$remote_addr $remote_logname $remote_user [$time_local] "$request" $status $body_bytes_sent';

export const commonFormat = builtinTextFormat('common', 'NCSA common', COMMON, 40, {
  // The example of Apache's log documentation (https://httpd.apache.org/docs/2.4/logs.html#common), restamped.
  lines: (ms) => [`127.0.0.1 - frank [${formatClfTime(ms - 60_000)}] "GET /apache_pb.gif HTTP/1.0" 200 2326`, `10.9.8.7 - - [${formatClfTime(ms - 120_000)}] "GET /missing HTTP/1.1" 404 -`],
});
