/**
 * The text formats gallra knows by name, as nginx-style templates. Apache's
 * `%l` (identd logname, almost always `-`) is the field `$remote_logname`,
 * where nginx's own combined format has a literal `-`: treating it as a field
 * lets Apache lines with an identd answer parse too (and the policy drops it).
 */
export const BUILTIN_TEXT_FORMATS = {
  /** NCSA Common Log Format: nginx/Apache `common`. */
  common: '$remote_addr $remote_logname $remote_user [$time_local] "$request" $status $body_bytes_sent',
  /** NCSA Combined: nginx's default `combined`, Apache `combined`. Appended fields (nginx `main`'s `"$http_x_forwarded_for"`, `$request_time`) are allowed after it. */
  combined: '$remote_addr $remote_logname $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"',
  /** Apache `vhost_combined`: `%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`. */
  vhost_combined:
    '$host:$server_port $remote_addr $remote_logname $remote_user [$time_local] "$request" $status $bytes_sent "$http_referer" "$http_user_agent"',
} as const;


/**
 * Order in which `--format auto` tries formats on a line: the most specific
 * first, so a combined line is not taken for common with two extra fields.
 */
export const AUTO_ORDER = ['json', 'vhost_combined', 'combined', 'common'] as const;
