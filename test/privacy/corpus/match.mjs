/**
 * Looks for planted values in one parsed line: every field's views, every
 * core of every plant. Shared by the checker and the generator's
 * consistency check.
 */
import { fieldViews, findCore } from './normalise.mjs';

/**
 * @typedef {{ name: string, views: { plain: string[], joined: string[] } }} FieldViews
 * @typedef {{ level: 'leak' | 'partial' | undefined, fields: string[], cores: number[] }} Finding
 */

/**
 * The views of every field of a parsed line.
 * @param {import('./parse.mjs').ParsedLine} parsed
 * @returns {FieldViews[]}
 */
export function lineViews(parsed) {
  return parsed.fields.map((f) => ({ name: f.name, views: fieldViews(f.sources) }));
}

/**
 * Where a planted value's cores turn up in a line: the worst level found
 * ('leak' beats 'partial'), the fields it was found in, and which cores.
 *
 * @param {{ cores: import('./normalise.mjs').Core[] }} plant
 * @param {FieldViews[]} fields
 * @returns {Finding}
 * @example
 * locate({ cores: [{ kind: 'text', value: 'anna@example.se' }] }, lineViews(parseOutputLine(line)))
 */
export function locate(plant, fields) {
  /** @type {Finding} */
  const out = { level: undefined, fields: [], cores: [] };
  plant.cores.forEach((core, k) => {
    for (const f of fields) {
      const hit = findCore(core, f.views);
      if (hit === undefined) continue;
      if (hit === 'leak' || out.level === undefined) {
        if (hit === 'leak' && out.level !== 'leak') {
          out.fields = [];
          out.cores = [];
        }
        if (hit === 'leak' || out.level !== 'leak') {
          out.level = hit;
          if (!out.fields.includes(f.name)) out.fields.push(f.name);
          if (!out.cores.includes(k)) out.cores.push(k);
        }
      } else if (hit === 'partial' && out.level === 'partial') {
        if (!out.fields.includes(f.name)) out.fields.push(f.name);
        if (!out.cores.includes(k)) out.cores.push(k);
      }
    }
  });
  return out;
}
