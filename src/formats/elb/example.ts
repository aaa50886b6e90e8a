/**
 * The four example entries (HTTP, HTTPS, TCP, SSL listeners) of the AWS
 * documentation page "Access logs for your Classic Load Balancer"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html,
 * "Examples"), verbatim. See fixtures/elb/README.md.
 */
import { ISO_MICROS, readIso, restamp, writeIsoLike } from '../engines/fields/restamp.js';

export const ELB_DOC_LINES: readonly string[] = [
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -',
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2',
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -',
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001065 0.000015 0.000023 - - 57 502 "- - - " "-" ECDHE-ECDSA-AES128-GCM-SHA256 TLSv1.2',
];

/** The documented examples, each line moved to a minute before the previous one, ending `ms`. */
export const elbExampleLines = (ms: number): string[] => restamp(ELB_DOC_LINES, ms, ISO_MICROS, readIso, writeIsoLike);
