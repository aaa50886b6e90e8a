/**
 * Encoded batches for sink tests, written the way the tests think of them:
 * lines by UTC day.
 */
import type { EncodedBatch } from '../../src/sinks/sink.js';

/** Lines of one UTC day (days since the Unix epoch), newline-terminated, concatenated. */
export interface DayChunk {
  readonly day: number;
  readonly text: string;
  readonly lines: number;
}

/**
 * One batch holding the chunks' lines in order, each event stamped at noon
 * of its chunk's day.
 *
 * @example
 * await sink.write(batchOf([{ day: 20779, text: 'a\nb\n', lines: 2 }]));
 */
export function batchOf(chunks: readonly DayChunk[]): EncodedBatch {
  let text = '';
  const ends: number[] = [];
  const times: number[] = [];
  for (const c of chunks) {
    let pos = 0;
    for (let i = 0; i < c.lines; i++) {
      const nl = c.text.indexOf('\n', pos);
      const end = nl < 0 ? c.text.length : nl + 1;
      text += c.text.slice(pos, end);
      pos = end;
      ends.push(text.length);
      times.push(c.day * 86_400_000 + 43_200_000);
    }
    // Text beyond the counted lines (tests of odd input) rides along with the last one.
    if (pos < c.text.length) {
      text += c.text.slice(pos);
      if (ends.length > 0) ends[ends.length - 1] = text.length;
    }
  }
  return { text, count: times.length, ends, times, keys: undefined, acks: undefined };
}
