/**
 * HAProxy writes its accept date in the local time of the machine it runs
 * on, without an offset. The `time_zone` option says which zone that is: a
 * fixed offset (`+01:00`), `UTC`, or an IANA name (`Europe/Stockholm`, with
 * its daylight saving time). Offsets of IANA zones come from Intl, once per
 * local hour.
 */

/** Whether `zone` is one `zoneOffsetReader` can use. */
export function validZone(zone: string): boolean {
  if (/^(UTC|Z)$/i.test(zone) || /^[+-]\d\d:?\d\d$/.test(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A function from a local time (ms, read as if it were UTC) to the zone's
 * offset at that time (ms east of UTC).
 *
 * @example
 * zoneOffsetReader('+02:00')(anything) // 7_200_000
 */
export function zoneOffsetReader(zone: string): (localMs: number) => number {
  if (/^(UTC|Z)$/i.test(zone)) return () => 0;
  const fixed = /^([+-])(\d\d):?(\d\d)$/.exec(zone);
  if (fixed !== null) {
    const off = (fixed[1] === '+' ? 1 : -1) * (Number(fixed[2]) * 60 + Number(fixed[3])) * 60_000;
    return () => off;
  }
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const offsetAt = (utc: number): number => {
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(utc)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(utc / 1000) * 1000;
  };
  const cache = new Map<number, number>();
  return (localMs) => {
    const hour = Math.floor(localMs / 3_600_000);
    let off = cache.get(hour);
    if (off === undefined) {
      const guess = localMs - offsetAt(localMs);
      off = offsetAt(guess);
      if (cache.size > 4096) cache.clear();
      cache.set(hour, off);
    }
    return off;
  };
}
