/** Types of check.mjs (the corpus checker is plain JavaScript with JSDoc). */
import type { PlantedEntry } from './generate.mjs';

export interface Tally {
  readonly rows: Map<string, Record<string, number>>;
  get(key: string, col: string): number;
}
export interface CheckReport {
  readonly lines: { in: number; out: number; dropped: number; unattributed: number; duplicates: number; outOfOrder: number; markerConflicts: number; formatChanged: number; unparsed: number };
  readonly totals: { planted: number; dropped: number; leaked: number; partial: number; clean: number; strayLeaks: number; strayUnscanned: number };
  readonly families: Tally;
  readonly controls: Tally;
  readonly droppedBy: Tally;
  readonly leaks: readonly { outLine: number; line: number; family: string; variant: string; planted: string; found: readonly string[]; level: string }[];
  readonly destroyed: readonly { outLine: number; line: number; family: string; variant: string; where: string; expect: string }[];
  readonly stray: readonly { source: string; outLine: number; family: string; variant: string; level: string }[];
}
export function checkOutput(manifest: { entries: readonly PlantedEntry[] }, outputLines: readonly string[], opts?: { stderrLines?: readonly string[] }): CheckReport;
export function splitLines(text: string): string[];
