/**
 * docs/guarantees.md maps each privacy promise to the tests that prove it.
 * This keeps the map honest: every test it lists must exist under that exact
 * title in that file, every promise must list at least one, and the six
 * promises the policies make must all be there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const DOC = join(ROOT, 'docs', 'guarantees.md');
/** `- \`test/x.test.ts\` › the title` under a "Proved by:" list. */
const REF = /^- `(test\/[^`]+\.test\.ts)` › (.+)$/;

interface Section {
  readonly title: string;
  readonly refs: { readonly file: string; readonly title: string; readonly line: number }[];
}

function sections(): Section[] {
  const out: { title: string; refs: Section['refs'] }[] = [];
  readFileSync(DOC, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.startsWith('## ')) out.push({ title: text.slice(3), refs: [] });
      const m = REF.exec(text);
      if (m !== null) out[out.length - 1]!.refs.push({ file: m[1]!, title: m[2]!, line: i + 1 });
    });
  return out;
}

/**
 * The titles a test file declares: string literals right after `it(`,
 * `test(`, `describe(` (with modifiers such as `.each([...])(`), escapes undone.
 */
function titlesIn(file: string): Set<string> {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const titles = new Set<string>();
  const re = /(?:\b(?:it|test|describe)(?:\.\w+)*\s*\(|\]\s*\)\s*\()\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;
  for (const m of src.matchAll(re)) titles.add(m[2]!.replace(/\\(.)/g, '$1'));
  return titles;
}

describe('docs/guarantees.md', () => {
  it('states each promise of the privacy policies, each with the tests that prove it', () => {
    const s = sections();
    const promises = s.filter((x) => /^\d\. /.test(x.title)).map((x) => x.title.replace(/^\d\. /, ''));
    expect(promises).toEqual([
      'Server logs are kept for at most six months',
      'Public IP addresses are protected',
      'User history is pseudonymised',
      'Analysis data is kept apart from identity',
      'Data is erased or anonymised when no longer needed',
      'Access, erasure and portability on request',
    ]);
    for (const x of s.filter((y) => /^\d\. /.test(y.title) || y.title === 'The audit trail itself')) expect(x.refs.length, `"${x.title}" lists no test`).toBeGreaterThan(0);
  });

  it('lists only tests that exist, under their exact titles', () => {
    const missing: string[] = [];
    const cache = new Map<string, Set<string>>();
    for (const { refs } of sections()) {
      for (const r of refs) {
        if (!existsSync(join(ROOT, r.file))) {
          missing.push(`docs/guarantees.md:${r.line}: ${r.file} does not exist`);
          continue;
        }
        let titles = cache.get(r.file);
        if (titles === undefined) cache.set(r.file, (titles = titlesIn(r.file)));
        if (!titles.has(r.title)) missing.push(`docs/guarantees.md:${r.line}: ${r.file} has no test titled "${r.title}"`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('would notice a test that is gone (the check is not vacuous)', () => {
    expect(titlesIn('test/docs/guarantees.test.ts').has('lists only tests that exist, under their exact titles')).toBe(true);
    expect(titlesIn('test/docs/guarantees.test.ts').has('a test nobody wrote')).toBe(false);
    expect(sections().flatMap((x) => x.refs).length).toBeGreaterThan(30);
  });
});
