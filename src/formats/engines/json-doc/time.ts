/** Time readers for JSON formats: RFC 3339 strings (the fast reader, else any form gallra knows) and epoch numbers by magnitude. */
import { epochToMs, parseAnyTimestamp } from '../../../time/parse-timestamp.js';
import { createIsoReader } from '../fields/time.js';

/** An RFC 3339 reader that falls back to every form gallra knows (CLF, epoch text). */
export function isoOrAnyText(): (src: string, s: number, e: number) => number {
  const iso = createIsoReader(false);
  return (src, s, e) => {
    const t = iso(src, s, e);
    return Number.isNaN(t) ? parseAnyTimestamp(src.slice(s, e)) : t;
  };
}

/** Unix time in s, ms, µs or ns, by magnitude (Cloudflare's `unix` and `unixnano`, Caddy's float seconds). */
export const epochNumber = (n: number): number => epochToMs(n);
