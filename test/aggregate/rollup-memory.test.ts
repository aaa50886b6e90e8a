/**
 * A day of short windows: the day's rows hold each visitor's number a
 * bounded number of times, not once per window (a day of one-minute windows
 * would otherwise keep 1,440 copies until it closed), and the day's and
 * month's distinct counts stay exact against a brute-force count.
 */
import { describe, expect, it } from 'vitest';
import { EventFacts, DIM_INDEX, SOURCE, type Hinted } from '../../src/aggregate/dimensions.js';
import { publish } from '../../src/aggregate/fold.js';
import { DistinctCounter } from '../../src/aggregate/members.js';
import { CompiledSets, WindowState } from '../../src/aggregate/rollup.js';
import type { GroupingSet } from '../../src/aggregate/config.js';

const DAY = 86_400_000;
const MINUTE = 60_000;

describe('a day rolled up from one-minute windows', () => {
  it('holds each row’s members at most a few times over and counts them exactly', () => {
    const sets = new CompiledSets([
      { name: 'total', dims: [] },
      { name: 'status', dims: ['status'] },
      { name: 'browser', dims: ['browser'] },
    ] as unknown as GroupingSet[]);
    const day = new WindowState('day', 0, DAY, sets, false);
    const month = new WindowState('month', 0, 31 * DAY, sets, false);
    const distinct = new DistinctCounter();
    const stats = { rows: 0, folded: 0 } as unknown as Parameters<typeof publish>[4];
    const truth = new Map<string, Set<string>>();
    const note = (key: string, v: string): void => void (truth.get(key) ?? truth.set(key, new Set()).get(key)!).add(v);
    const statuses = ['200', '404', '500'].map((s) => ({ code: Number(s), v: s, hints: undefined }));
    const browsers = ['Firefox', 'Chrome'].map((b) => ({ b, hints: undefined }));
    const f = new EventFacts();
    // 300 visitors, each in the same rows all day (long sessions), in every one of 1,440 windows.
    for (let start = 0; start < DAY; start += MINUTE) {
      const w = new WindowState('window', start, start + MINUTE, sets, false, day);
      for (let i = 0; i < 300; i++) {
        const v = `v${i}`;
        const st = statuses[i % 3]!;
        const br = browsers[(i >> 2) % 2]!;
        f.dims.fill('(none)');
        f.dims[DIM_INDEX.status] = st.v;
        f.dims[DIM_INDEX.status_class] = `${st.v[0]}xx`;
        f.dims[DIM_INDEX.browser] = br.b;
        f.sources[SOURCE.status] = st as unknown as Hinted;
        f.sources[SOURCE.request] = undefined;
        f.sources[SOURCE.agent] = br as unknown as Hinted;
        f.status = st.code;
        f.bytes = 1;
        f.durationMs = NaN;
        f.visitor = v;
        f.user = undefined;
        w.add(f);
        note('total', v);
        note(`status=${st.v}`, v);
        note(`browser=${br.b}`, v);
      }
      w.seal();
      publish(w, 1, undefined, distinct, stats);
      w.mergeInto(day, 0);
    }
    let held = 0;
    for (const rows of day.rows) for (const r of rows) held += r.visitors.length + (r.visitorParts ?? []).reduce((n, p) => n + p.length, 0);
    const exact = [...truth.values()].reduce((n, s) => n + s.size, 0);
    expect(exact).toBe(900);
    // Bounded by the parts a row may hold before they shrink (8) plus the shrunk list, whatever the number of windows.
    expect(held).toBeLessThanOrEqual(10 * exact);

    const keyOf = (r: { grouping: string; dims: Record<string, string> }): string => (r.grouping === 'total' ? 'total' : `${r.grouping}=${r.dims[r.grouping]}`);
    day.seal();
    for (const r of publish(day, 1, undefined, distinct, stats).rows as unknown as { grouping: string; dims: Record<string, string>; visitors: number }[]) expect(r.visitors, keyOf(r)).toBe(truth.get(keyOf(r))!.size);
    day.mergeInto(month, 0);
    month.seal();
    for (const r of publish(month, 1, undefined, distinct, stats).rows as unknown as { grouping: string; dims: Record<string, string>; visitors: number }[]) expect(r.visitors, keyOf(r)).toBe(truth.get(keyOf(r))!.size);
  });
});
