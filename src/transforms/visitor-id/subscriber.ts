/**
 * The visitor of a traffic-metadata record (a CDR): the subscriber it is
 * about — its served IMSI, else its MSISDN — and not the address the mobile
 * network lent the device for the session (a voice or SMS record has none,
 * and one device's address changes while its subscriber does not). Distinct
 * visitors of CDR aggregates are distinct subscribers. Which fields those
 * are, the format declares on its layout (`FieldLayout.subscriberFields`);
 * other formats' visitors stay host + client address + user agent.
 */
import type { Event } from '../../event/event.js';
import { normaliseNumber } from '../pseudonymise-number/normalise.js';

/**
 * What the visitor id is taken of, or undefined when the event names no
 * subscriber. Numbers are written one way as their pseudonyms are
 * (`+46701234567`, `0046701234567` and `46701234567` are one subscriber; a
 * national `070…` too when `country` is set), so one person is never
 * counted as two; the prefix keeps it apart from any client address.
 *
 * @example
 * subscriberOf(cdrEvent, undefined) // 'imsi:240011234567890', or 'msisdn:46701234567' without one
 */
export function subscriberOf(ev: Event, country: string | undefined): string | undefined {
  const fields = ev.layout.subscriberFields;
  for (let i = 0; i < fields.length; i++) {
    const { slot, kind } = fields[i]!;
    // A JSON record may carry the number as a number.
    const value = ev.starts[slot]! >= 0 ? ev.raw(slot) : ev.values[slot];
    const raw = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
    if (typeof raw !== 'string' || raw === '' || raw === '-') continue;
    const number = normaliseNumber(kind, raw, country);
    if (number !== '') return kind + ':' + number;
  }
  return undefined;
}
