import { describe, expect, it } from 'vitest';
import { DROPPED, Event, FieldLayout, UNCHANGED } from '../../src/event/event.js';

const layout = new FieldLayout(['remote_addr', 'realip', 'http_user_agent'], ['client_ip', 'client_ip', 'user_agent']);

describe('Event', () => {
  it('starts with every field absent, unchanged, and no time', () => {
    const ev = new Event(layout);
    expect([...ev.starts]).toEqual([-1, -1, -1]);
    expect([...ev.ends]).toEqual([-1, -1, -1]);
    expect(ev.values).toEqual([undefined, undefined, undefined]);
    expect(ev.out).toEqual([UNCHANGED, UNCHANGED, UNCHANGED]);
    expect(ev.time).toBeNaN();
    expect(ev.visitorId).toBeUndefined();
    expect([0, 1, 2].map((i) => ev.has(i))).toEqual([false, false, false]);
  });

  it('holds a value as a range of its source (text formats) or as a parsed value (JSON): one type', () => {
    const ev = new Event(layout);
    ev.src = 'xx 81.6.12.34 yy';
    ev.starts[0] = 3;
    ev.ends[0] = 13;
    ev.values[2] = 'curl/8.5.0';
    expect(ev.raw(0)).toBe('81.6.12.34');
    expect(ev.raw(1)).toBeUndefined();
    expect(ev.raw(2)).toBe('curl/8.5.0');
    ev.values[1] = 42;
    expect(ev.has(1)).toBe(true);
    expect(ev.raw(1)).toBeUndefined();
  });

  it('finds a role in the first of its fields that is present', () => {
    const ev = new Event(layout);
    ev.values[1] = '10.0.0.1';
    expect(ev.rawOf('client_ip')).toBe('10.0.0.1');
    ev.values[0] = '81.6.12.34';
    expect(ev.rawOf('client_ip')).toBe('81.6.12.34');
    expect(ev.rawOf('host')).toBeUndefined();
    expect(layout.slotsOf('client_ip')).toEqual([0, 1]);
  });

  it('shows the consumers after the anonymise stage only what it left or wrote, never a dropped value', () => {
    const ev = new Event(layout);
    ev.src = '81.6.12.34 curl/8.5.0';
    ev.starts[0] = 0;
    ev.ends[0] = 10;
    ev.starts[2] = 11;
    ev.ends[2] = 21;
    ev.out[0] = '81.6.12.0';
    ev.out[2] = DROPPED;
    expect(ev.anonymisedOf('client_ip')).toBe('81.6.12.0');
    expect(ev.anonymisedOf('user_agent')).toBeUndefined();
    ev.out[2] = UNCHANGED;
    expect(ev.anonymisedOf('user_agent')).toBe('curl/8.5.0');
  });

  it('skips a dropped field for the next present one of the same role', () => {
    const ev = new Event(layout);
    ev.src = '10.0.0.1 81.6.12.34';
    ev.starts[0] = 0;
    ev.ends[0] = 8;
    ev.starts[1] = 9;
    ev.ends[1] = 19;
    ev.out[0] = DROPPED;
    ev.out[1] = '81.6.12.0';
    expect(ev.anonymisedOf('client_ip')).toBe('81.6.12.0');
    ev.out[1] = DROPPED;
    expect(ev.anonymisedOf('client_ip')).toBeUndefined();
  });

  it('forgets the previous line on reset', () => {
    const ev = new Event(layout);
    ev.values[0] = 'x';
    ev.starts[2] = 1;
    ev.time = 5;
    ev.visitorId = 'v';
    ev.reset();
    expect(ev.has(0) || ev.has(2)).toBe(false);
    expect(ev.time).toBeNaN();
    expect(ev.visitorId).toBeUndefined();
  });
});
