/** Types of formats-gen.mjs (the generator is plain JavaScript; test/formats/golden.test.ts imports it). */
export const FORMATS: readonly string[];
export const JSON_FORMATS: ReadonlySet<string>;
export function generate(format: string, n: number, end: number, seed?: number): string;
