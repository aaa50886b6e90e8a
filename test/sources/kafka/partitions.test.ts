import { describe, expect, it } from 'vitest';
import { PartitionState } from '../../../src/sources/kafka/partitions.js';
import { isKafkaRecordAck, UNCOMMITTABLE } from '../../../src/sources/kafka/record-ack.js';

describe('PartitionState (one assignment of a partition)', () => {
  it('commits only the acknowledged prefix, across offset gaps, never the highest offset read', () => {
    const p = new PartitionState('logs', 3, 7);
    for (const o of [100, 102, 105]) expect(p.handOut(o)).toBe(true);
    expect(p.inFlight).toBe(3);
    expect(p.committable()).toBe(-1);
    p.acknowledge(101);
    expect(p.committable()).toBe(101);
    expect(p.inFlight).toBe(2);
    // 102 acknowledged; 105 was read but is not: the prefix ends before it.
    p.acknowledge(103);
    expect(p.committable()).toBe(103);
    expect(p.inFlight).toBe(1);
    p.acknowledge(106);
    expect(p.committable()).toBe(106);
    expect(p.inFlight).toBe(0);
  });

  it('never commits past what it handed out, and never moves back', () => {
    const p = new PartitionState('logs', 0, 1);
    p.handOut(10);
    p.acknowledge(50);
    expect(p.committable()).toBe(11);
    expect(p.acknowledge(5)).toBe(false);
    expect(p.committable()).toBe(11);
  });

  it('refuses an offset that goes back (a record fetched before a rebalance, delivered after it)', () => {
    const p = new PartitionState('logs', 0, 1);
    expect(p.handOut(20)).toBe(true);
    expect(p.handOut(15)).toBe(false);
    expect(p.position).toBe(21);
  });

  it('tracks what was sent in a commit and what was confirmed', () => {
    const p = new PartitionState('logs', 0, 1);
    p.handOut(0);
    p.acknowledge(1);
    expect(p.needsCommit()).toBe(true);
    p.sent = p.committable();
    expect(p.needsCommit()).toBe(false);
  });

  it('tags its records with its generation, and those read across a rebalance as uncommittable', () => {
    const p = new PartitionState('logs', 2, 9);
    expect(p.segment).toEqual({ key: 'logs/2', topic: 'logs', partition: 2, generation: 9 });
    expect(p.uncommittable.generation).toBe(UNCOMMITTABLE);
    expect(p.uncommittable.key).toBe(p.segment.key);
    expect(isKafkaRecordAck({ segment: p.segment, offset: 1 })).toBe(true);
    expect(isKafkaRecordAck({ segment: { key: 'dev:ino' }, offset: 1 })).toBe(false);
  });
});
