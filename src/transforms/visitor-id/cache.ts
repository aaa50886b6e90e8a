/**
 * The visitor ids of one salt epoch, remembered by (host, address, user
 * agent): real traffic brings the same visitor back many times a day (a
 * page and its assets), and each visitor id is an HMAC over ~150 bytes.
 *
 * Keyed cheaply: by the address alone (a short string, so the Map's hash is
 * cheap), then the host and user agent compared in full — so a hit returns
 * exactly the id the HMAC gave for these three values, never another's.
 *
 * Privacy: the map links raw addresses to their ids, so it must not outlive
 * the salt they were derived under (a memory dump after the salt's
 * destruction would otherwise still link them). One instance belongs to one
 * epoch's prepared state in the Pseudonymiser and is cleared with it: when
 * the salt is wiped, when housekeeping calls dropWiped(), on clear().
 */
import { detach } from '../../util/string-cache.js';

/** One (host, address, user agent) and its id; entries of one address are chained. */
interface Entry {
  readonly host: string;
  readonly userAgent: string;
  readonly id: string;
  next: Entry | undefined;
}

/**
 * @example
 * const c = new VisitorIdCache(100_000);
 * let id = c.get(host, ip, ua);
 * if (id === undefined) c.set(host, ip, ua, (id = derive(host, ip, ua)));
 */
export class VisitorIdCache {
  private readonly byAddress = new Map<string, Entry>();
  private entries = 0;

  constructor(
    /** Most entries kept; when full the cache starts over (cheaper than tracking recency per hit). */
    private readonly max: number,
  ) {}

  get size(): number {
    return this.entries;
  }

  /** The id remembered for exactly these three values, or undefined. */
  get(host: string, address: string, userAgent: string): string | undefined {
    for (let e = this.byAddress.get(address); e !== undefined; e = e.next) if (e.userAgent === userAgent && e.host === host) return e.id;
    return undefined;
  }

  /** Remembers `id` for the three values (copied: the event's strings may be slices of a whole input chunk). */
  set(host: string, address: string, userAgent: string, id: string): void {
    if (this.entries >= this.max) this.clear();
    const key = detach(address);
    this.byAddress.set(key, { host: detach(host), userAgent: detach(userAgent), id, next: this.byAddress.get(key) });
    this.entries++;
  }

  /** Forgets every entry (the epoch's salt is gone, or the cache is full). */
  clear(): void {
    this.byAddress.clear();
    this.entries = 0;
  }
}
