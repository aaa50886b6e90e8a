/** Types of generate.mjs (the corpus generator is plain JavaScript with JSDoc). */
export interface PlantedEntry {
  readonly line: number;
  readonly id: number;
  readonly format: string;
  readonly shape: string;
  readonly time: number;
  readonly bytes: number;
  readonly plants: readonly { readonly family: string; readonly variant: string; readonly text: string }[];
  readonly controls: readonly { readonly family: string; readonly variant: string; readonly text: string; readonly expect: 'keep' | 'info' }[];
}
export function generateCorpus(
  o: { lines: number; seed: string; baseSec: number; spanSec: number },
  stats?: { redrawn: number; reasons: Record<string, number> },
): Generator<{ raw: string; redacted: string; entry: PlantedEntry }>;
export function baseSeconds(s: string | undefined): number;
