/**
 * The rotated siblings of a followed file, oldest first, as logrotate names
 * them: numbered (`access.log.1`, `access.log.2.gz`: a higher number is
 * older) or dated (`dateext`: `access.log-20261122`, `access.log-20261121.gz`:
 * a later date is newer), compressed or not. A restart uses them to find the
 * file its checkpoint names when the log rotated while gallra was down —
 * once, twice or more — and to read every file rotated after it, in order,
 * before the live one.
 *
 * Which names are siblings is configurable (`rotated:` patterns, `{name}`
 * standing for the followed file's name); the default is what logrotate
 * produces with or without `dateext`. Only gzip can be read back (logrotate's
 * default `compress`); siblings compressed otherwise are listed so the
 * operator can be told why they were not read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { nameMatcher } from './glob.js';

/** logrotate's names with and without `dateext` (`access.log.1`, `access.log-20261122.gz`). */
export const DEFAULT_ROTATED = ['{name}.*', '{name}-*'] as const;

/** File-name endings of compressed files: gzip is read back, the others cannot be. */
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|lzma|Z|zip|br)$/;

export interface Sibling {
  readonly path: string;
  /** By name: gzip (read through gunzip), another compression (cannot be read), or none. */
  readonly compression: 'gzip' | 'other' | undefined;
}

interface Ranked extends Sibling {
  /** A number (higher is older) for numbered names, or undefined for dated ones. */
  readonly number: number | undefined;
  /** The name without the followed file's name and compression ending: what dated names sort by. */
  readonly stem: string;
}

/**
 * The rotated siblings of `live` that the patterns name, oldest first (the
 * live file itself excluded). Patterns are file-name patterns relative to the
 * live file's directory, or absolute (logrotate `olddir`).
 *
 * @example
 * rotatedSiblings('/var/log/nginx/access.log', DEFAULT_ROTATED).map((s) => s.path)
 * // ['/var/log/nginx/access.log.3.gz', '/var/log/nginx/access.log.2.gz', '/var/log/nginx/access.log.1']
 */
export function rotatedSiblings(live: string, patterns: readonly string[]): Sibling[] {
  const base = path.basename(live);
  const dirs = new Map<string, RegExp[]>();
  for (const p of patterns) {
    const full = path.resolve(path.dirname(live), p.replaceAll('{name}', base));
    const dir = path.dirname(full);
    const list = dirs.get(dir) ?? [];
    list.push(nameMatcher(path.basename(full)));
    dirs.set(dir, list);
  }
  const found = new Map<string, Ranked>();
  for (const [dir, res] of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      if (file === live || found.has(file) || !res.some((re) => re.test(name))) continue;
      try {
        if (!fs.statSync(file).isFile()) continue;
      } catch {
        continue;
      }
      found.set(file, rank(file, base));
    }
  }
  return [...found.values()].sort(olderFirst).map(({ path: p, compression }) => ({ path: p, compression }));
}

function rank(file: string, base: string): Ranked {
  const name = path.basename(file);
  const ext = COMPRESSED.exec(name);
  const compression = ext === null ? undefined : ext[1] === 'gz' ? 'gzip' : 'other';
  let stem = ext === null ? name : name.slice(0, ext.index);
  if (stem.startsWith(base)) stem = stem.slice(base.length);
  // `.1` … `.99999`: logrotate's counter. A dated name (`-20261122`, `.2026-11-22`) is longer or not all digits.
  const numbered = /^[.-](\d{1,5})$/.exec(stem);
  return { path: file, compression, number: numbered === null ? undefined : Number(numbered[1]), stem };
}

/** Oldest first: numbered names by falling number, then dated names by rising date; the uncompressed copy of one rank first. */
function olderFirst(a: Ranked, b: Ranked): number {
  if (a.number !== undefined && b.number !== undefined && a.number !== b.number) return b.number - a.number;
  if (a.number !== undefined && b.number === undefined) return -1;
  if (a.number === undefined && b.number !== undefined) return 1;
  if (a.number === undefined && b.number === undefined && a.stem !== b.stem) return a.stem < b.stem ? -1 : 1;
  return (a.compression === undefined ? 0 : 1) - (b.compression === undefined ? 0 : 1);
}
