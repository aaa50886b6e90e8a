/**
 * Who a record's visitor is when its format names subscribers (CDRs): the
 * served IMSI, else the served MSISDN written one way — never the other party —
 * and nobody's for a format that declares no subscriber fields, whatever
 * its fields are called.
 */
import { describe, expect, it } from 'vitest';
import { Event, FieldLayout } from '../../src/event/event.js';
import { subscriberOf } from '../../src/transforms/visitor-id/subscriber.js';

const NAMES = ['peer_msisdn', 'msisdn', 'imsi'];

function cdrEvent(values: readonly unknown[]): Event {
  const layout = new FieldLayout(NAMES, ['subscriber', 'subscriber', 'imsi']);
  layout.subscriberFields = [
    { slot: 2, kind: 'imsi' },
    { slot: 1, kind: 'msisdn' },
  ];
  const ev = new Event(layout);
  ev.starts.fill(-1);
  values.forEach((v, i) => (ev.values[i] = v));
  return ev;
}

describe('subscriberOf', () => {
  it('reads the served IMSI first', () => {
    expect(subscriberOf(cdrEvent(['+4479000000', '+46701234567', '240011234567890']), undefined)).toBe('imsi:240011234567890');
  });

  it('reads one subscriber however the served number is written, when there is no IMSI', () => {
    const spellings = ['+46701234567', '0046701234567', '46701234567', '+46 70-123 45 67', 46701234567];
    const ids = spellings.map((m) => subscriberOf(cdrEvent(['+4479000000', m, undefined]), undefined));
    expect(new Set(ids)).toEqual(new Set(['msisdn:46701234567']));
  });

  it('reads a national number in the configured country as its international form', () => {
    expect(subscriberOf(cdrEvent([undefined, '070-123 45 67', undefined]), 'SE')).toBe('msisdn:46701234567');
  });

  it('never reads the other party', () => {
    expect(subscriberOf(cdrEvent(['+4479000000', '-', undefined]), undefined)).toBeUndefined();
  });

  it('is undefined for a format that declares no subscriber fields, even with an msisdn field', () => {
    const ev = new Event(new FieldLayout(NAMES, ['subscriber', 'subscriber', 'imsi']));
    ev.starts.fill(-1);
    ev.values[1] = '+46701234567';
    expect(subscriberOf(ev, undefined)).toBeUndefined();
  });
});
