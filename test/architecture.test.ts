/**
 * The architecture, checked: folders form layers, and no module imports a
 * higher layer than its own (so there are no cycles between folders); no
 * source file grows past what can be read in one sitting; every component
 * of the registry lives in a folder of its own.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { components } from '../src/components.js';
import { ROOT } from './helpers/cli.js';

const SRC = join(ROOT, 'src');

/**
 * The layers, lowest first. A module may import its own layer's modules and
 * lower layers' — never a higher one. The top level files sit where their
 * name says.
 */
const LAYERS: readonly (readonly string[])[] = [
  // kafka/: the Kafka client layer the Kafka keyring, source and sink share (and kafka-dev's mock).
  ['util', 'time', 'errors.ts', 'kafka'],
  // The audit trail: written by the sweeper, salt housekeeping and the CLI; it imports none of them.
  ['audit'],
  ['event'],
  ['retention', 'keyring'],
  // gallra's own log scrubs what it writes with the free-text redactor.
  ['transforms', 'log.ts'],
  ['formats'],
  ['sources', 'sinks', 'stores'],
  ['pipeline', 'aggregate'],
  ['registry.ts', 'components.ts'],
  ['policy'],
  ['server', 'runtime', 'subject'],
  ['cli'],
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The top-level entry (folder or file) a path under src/ belongs to. */
function unitOf(file: string): string {
  return relative(SRC, file).split('/')[0]!;
}

function layerOf(unit: string): number {
  const i = LAYERS.findIndex((l) => l.includes(unit));
  if (i < 0) throw new Error(`src/${unit} is in no layer: add it to LAYERS in test/architecture.test.ts`);
  return i;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

/** Relative imports of a module, resolved to files under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]!;
    if (!spec.startsWith('.')) continue;
    out.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
  }
  return out;
}

describe('architecture', () => {
  const all = files(SRC);

  it('puts every src/ folder and top-level file in a layer', () => {
    for (const f of all) expect(() => layerOf(unitOf(f))).not.toThrow();
  });

  it('never imports from a higher layer (so folders have no import cycles)', () => {
    const violations: string[] = [];
    for (const f of all) {
      const from = layerOf(unitOf(f));
      for (const target of importsOf(f)) {
        if (!target.startsWith(SRC)) continue;
        const to = layerOf(unitOf(target));
        if (to > from) violations.push(`${relative(ROOT, f)} → ${relative(ROOT, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('imports types with `import type`, so a module needed only for its types is never loaded (lazy loading depends on it)', () => {
    // With verbatimModuleSyntax, `import { type A } from 'x'` still emits `import {} from 'x'`, which loads x.
    const typeOnly = /import\s*\{((?:\s*type\s+[^,}]+,?)+)\s*\}\s*from/;
    const offenders = all.filter((f) => typeOnly.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });

  it('keeps every source file small enough to read in one sitting (at most 500 lines)', () => {
    const long = all.map((f) => [relative(ROOT, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 500);
    expect(long).toEqual([]);
  });

  it('gives every registered source, sink and format its own folder', () => {
    for (const kind of ['sources', 'sinks', 'formats'] as const) {
      for (const name of components[kind].keys()) {
        // The template engine builds operators' own layouts: it lives with the engines.
        const folder = name === 'template' ? join(SRC, 'formats', 'engines', 'template') : join(SRC, kind, name);
        expect(statSync(folder, { throwIfNoEntry: false })?.isDirectory(), `${kind}/${name}`).toBe(true);
      }
    }
    for (const name of components.transforms.keys()) {
      expect(statSync(join(SRC, 'transforms', name), { throwIfNoEntry: false })?.isDirectory(), `transforms/${name}`).toBe(true);
    }
  });
});
