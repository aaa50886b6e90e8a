/**
 * The visitor of a traffic-metadata record (a CDR): the subscriber it is
 * about — its served MSISDN, else its IMSI — and not the address the mobile
 * network lent the device for the session (a voice or SMS record has none,
 * and one device's address changes while its subscriber does not). Distinct
 * visitors of CDR aggregates are distinct subscribers.
 */
import type { Event } from '../../event/event.js';

/**
 * What the visitor id is taken of, or undefined when the event names no
 * subscriber. Digits only, so `+46701234567` and `46701234567` are one
 * subscriber; the prefix keeps it apart from any client address.
 *
 * @example
 * subscriberOf(cdrEvent) // 'msisdn:46701234567'
 */
export function subscriberOf(ev: Event): string | undefined {
  // The first field with the role is the served party (a CDR's `msisdn`; `peer_msisdn` comes after it): the other party is not who the record is about.
  const served = ev.layout.slotsOf('subscriber')[0];
  const msisdn = served === undefined ? undefined : digits(ev.raw(served));
  if (msisdn !== undefined) return 'msisdn:' + msisdn;
  const imsi = digits(ev.rawOf('imsi'));
  return imsi === undefined ? undefined : 'imsi:' + imsi;
}

function digits(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const d = v.replace(/\D/g, '');
  return d === '' ? undefined : d;
}
