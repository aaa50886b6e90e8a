/**
 * The anonymise stage remembers the last text a field's shape check passed
 * (categories repeat line after line): a remembered text passes again, and
 * any other text — the same length included — is checked afresh.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROPPED, Event, FieldLayout, UNCHANGED } from '../../src/event/event.js';
import { shapeOf } from '../../src/event/vocabulary.js';
import { AnonymisePlan, AnonymiseStage } from '../../src/pipeline/anonymise.js';
import type { CompiledOp, TransformContext } from '../../src/transforms/transform.js';

function setup(): { decide: (text: string) => unknown; stage: AnonymiseStage } {
  const op: CompiledOp = { kind: 'check', shape: shapeOf('dimension')! };
  const plan = new AnonymisePlan(['cat'], [op]);
  const stage = new AnonymiseStage({} as TransformContext);
  const ev = new Event(new FieldLayout(['cat'], ['dimension']));
  const decide = (text: string): unknown => {
    // The value inside a longer line, as formats hold it.
    ev.src = `x ${text} y`;
    ev.starts[0] = 2;
    ev.ends[0] = 2 + text.length;
    ev.values[0] = undefined;
    ev.timeSlot = -1;
    stage.apply(ev, plan);
    return ev.out[0];
  };
  return { decide, stage };
}

describe('shape checks remembered per field', () => {
  it('passes a repeated category and still rejects a different text of the same length', () => {
    const { decide, stage } = setup();
    expect(decide('ECDHE-RSA-AES128-GCM-SHA256')).toBe(UNCHANGED);
    expect(decide('ECDHE-RSA-AES128-GCM-SHA256')).toBe(UNCHANGED);
    expect(decide('ECDHE-RSA-AES128-GCM-SHA2@6')).toBe(DROPPED);
    expect(decide('203.0.113.77')).toBe(DROPPED);
    expect(decide('ECDHE-RSA-AES128-GCM-SHA256')).toBe(UNCHANGED);
    expect(stage.rejected.get('cat')).toBe(2);
  });

  it('decides every text as the shape does, whatever came before', () => {
    const shape = shapeOf('dimension')!;
    const texts = fc.constantFrom('Hit', 'Miss', 'Hi@', 'RefreshHit', '10.0.0.1', 'deadbeefdeadbeef', 'TLSv1.3', 'a b', 'a  b', 'ECDHE-RSA-AES128-GCM-SHA256', 'x'.repeat(70), 'y'.repeat(70));
    fc.assert(
      fc.property(fc.array(texts, { minLength: 1, maxLength: 200 }), (seq) => {
        const { decide } = setup();
        for (const t of seq) expect(decide(t)).toBe(shape.text(t, 0, t.length) ? UNCHANGED : DROPPED);
      }),
      { seed: 0x5ba9e, numRuns: 300 },
    );
  });
});
