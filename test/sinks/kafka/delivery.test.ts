import { describe, expect, it } from 'vitest';
import { classifyFailure, sameRecord, type Outgoing } from '../../../src/sinks/kafka/delivery.js';

describe('classifyFailure (delivery reports carry only text)', () => {
  it.each([
    ['message size too large', 'permanent'],
    ['Broker: Message size too large', 'permanent'],
    ['broker failed to validate record', 'permanent'],
    ['Broker: Invalid record', 'permanent'],
    ['broker received an out of order sequence number', 'fatal'],
    ['producer attempted an operation with an old epoch', 'fatal'],
    ['Local: Fatal error', 'fatal'],
    ['Local: Message timed out', 'transient'],
    ['unknown broker error', 'transient'],
    ['topic authorization failed', 'transient'],
  ] as const)('%s → %s', (message, kind) => {
    expect(classifyFailure(message)).toBe(kind);
  });
});

describe('sameRecord (matching a failure report without an opaque)', () => {
  const out: Outgoing = { topic: 't', value: Buffer.from('v'), key: 'k', headers: undefined, timestamp: 0, route: 'main', failed: false };
  it('matches topic, key and value', () => {
    expect(sameRecord(out, 't', Buffer.from('k'), Buffer.from('v'))).toBe(true);
    expect(sameRecord(out, 't', 'k', Buffer.from('v'))).toBe(true);
    expect(sameRecord(out, 'u', 'k', Buffer.from('v'))).toBe(false);
    expect(sameRecord(out, 't', null, Buffer.from('v'))).toBe(false);
    expect(sameRecord(out, 't', 'k', Buffer.from('w'))).toBe(false);
    expect(sameRecord({ ...out, failed: true }, 't', 'k', Buffer.from('v'))).toBe(false);
  });
});
