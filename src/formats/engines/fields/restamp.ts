/**
 * Documentation example lines moved in time: each format's registry entry
 * gives its documented examples stamped near a given instant (the shared
 * format contract suite reads them, and so do the tests and benchmarks),
 * every other byte as the documentation printed it.
 */

/**
 * Moves the timestamps of each line so that line i happens `(i + 1)`
 * minutes before `ms`; the timestamps within one line keep their distances.
 *
 * @example
 * restamp(lines, ms, /\d{10}/g, (m) => Number(m) * 1000, (t) => String(Math.floor(t / 1000)))
 */
export function restamp(lines: readonly string[], ms: number, find: RegExp, read: (m: string) => number, write: (t: number, m: string) => string): string[] {
  return lines.map((line, i) => {
    const target = ms - (i + 1) * 60_000;
    const first = line.match(find)?.[0];
    if (first === undefined) return line;
    const delta = target - read(first);
    return line.replace(find, (m) => write(read(m) + delta, m));
  });
}

/** ISO 8601 UTC with microseconds (`2018-07-02T22:23:00.186641Z`), the AWS load balancers' form. */
export const ISO_MICROS = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/g;

/** RFC 3339 UTC with any fraction (`2020-06-08T23:41:30.588272510Z`, `2020-09-24T16:43:04.5430764Z`). */
export const RFC3339_UTC = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g;

/** Reads an ISO timestamp with Date.parse (examples only). */
export const readIso = (m: string): number => Date.parse(m);

/** Writes `t` like `m` (same number of fraction digits, `Z`): the fraction's digits beyond milliseconds are kept from `m`. */
export function writeIsoLike(t: number, m: string): string {
  const iso = new Date(t).toISOString(); // 2031-03-14T11:59:00.186Z
  const frac = /\.(\d+)Z$/.exec(m)?.[1];
  if (frac === undefined) return `${iso.slice(0, 19)}Z`;
  const digits = (iso.slice(20, 23) + frac.slice(3)).slice(0, frac.length);
  return `${iso.slice(0, 19)}.${digits}Z`;
}
