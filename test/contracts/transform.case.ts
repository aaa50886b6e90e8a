/**
 * The contract every field transform keeps, as one suite run against each
 * registered transform: compiled for fields with and without roles, it never
 * throws, never writes a line break into a line, gives the same answer for
 * the same value and event, agrees between its string and byte paths, and —
 * when it depends on the value alone — changes nothing when applied to its
 * own output (so anonymising anonymised logs again is harmless).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Event, FieldLayout } from '../../src/event/event.js';
import type { Role } from '../../src/event/vocabulary.js';
import type { AnyTransformEntry } from '../../src/registry.js';
import type { CompiledOp, TransformContext } from '../../src/transforms/transform.js';
import { HOUR, T0 } from '../helpers/env.js';

const SEED = 0x7a5f0;

/** Values a field may hold: log-ish text, addresses, identifiers, and anything at all. */
const value = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom('-', '', '81.6.12.34', '2001:db8::1', 'alice', 'jo@example.com', 'GET /x?token=abcdef1234567890 HTTP/1.1', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0.0.0'),
  fc.stringMatching(/^[ -~]{0,80}$/),
);

function event(): Event {
  const ev = new Event(new FieldLayout(['client_ip', 'user_agent', 'host'], ['client_ip', 'user_agent', 'host']));
  ev.values[0] = '81.6.12.34';
  ev.values[1] = 'curl/8.5.0';
  ev.values[2] = 'www.example.com';
  ev.time = T0 - HOUR;
  return ev;
}

function apply(op: CompiledOp, v: string, ev: Event): string | undefined {
  switch (op.kind) {
    case 'keep':
      return v;
    case 'check':
      return op.shape.text(v, 0, v.length) ? v : undefined;
    case 'drop':
      return undefined;
    case 'pure':
      return op.fn(v);
    case 'record':
      return op.fn(v, ev);
  }
}

const FIELDS: readonly { name: string; role: Role | undefined }[] = [
  { name: 'f', role: undefined },
  { name: 'remote_user', role: 'user' },
  { name: 'request', role: 'request' },
  { name: 'status', role: 'status' },
  { name: 'message', role: 'message' },
];

/**
 * Runs the transform contract for one transform, with the options its
 * entry accepts by default (none).
 *
 * @example
 * transformContract(redactTransform, () => ctx);
 */
export function transformContract(entry: AnyTransformEntry, ctx: () => TransformContext): void {
  describe(`transform ${entry.name} (contract)`, () => {
    it('compiles for any field to an operation of a known kind, and describes itself', () => {
      for (const field of FIELDS) {
        const op = entry.compile({}, field, ctx());
        expect(['keep', 'check', 'drop', 'pure', 'record']).toContain(op.kind);
        expect(typeof (entry.describe?.({}, field) ?? entry.name)).toBe('string');
      }
      expect(entry.description.length).toBeGreaterThan(0);
    });

    it('never throws, never writes a line break, and gives the same answer twice (property)', () => {
      fc.assert(
        fc.property(fc.constantFrom(...FIELDS), value, (field, v) => {
          const op = entry.compile({}, field, ctx());
          const clean = v.replace(/[\r\n]/g, ' ');
          const a = apply(op, clean, event());
          const b = apply(op, clean, event());
          expect(a).toBe(b);
          if (a !== undefined) expect(a).not.toMatch(/[\r\n]/);
        }),
        { seed: SEED, numRuns: 400 },
      );
    });

    it('agrees between its string path and its byte path on ASCII values (property)', () => {
      fc.assert(
        fc.property(fc.constantFrom(...FIELDS), fc.stringMatching(/^[ -~]{0,80}$/), (field, v) => {
          const op = entry.compile({}, field, ctx());
          if (op.kind !== 'pure') return;
          const bytes = Buffer.from(`xx${v}`, 'latin1');
          expect(op.fnAscii(v, bytes, 2)).toBe(op.fn(v));
        }),
        { seed: SEED, numRuns: 400 },
      );
    });

    it('changes nothing when applied to its own output, when it depends on the value alone (property)', () => {
      fc.assert(
        fc.property(fc.constantFrom(...FIELDS), value, (field, v) => {
          const op = entry.compile({}, field, ctx());
          if (op.kind !== 'pure') return;
          const once = op.fn(v.replace(/[\r\n]/g, ' '));
          expect(op.fn(once)).toBe(once);
        }),
        { seed: SEED, numRuns: 400 },
      );
    });
  });
}
