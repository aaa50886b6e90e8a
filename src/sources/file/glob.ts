/**
 * File-name patterns for the `file` source: `path: /var/log/nginx/*.access.log`
 * follows every file the pattern matches, and `rotated:` names the rotated
 * siblings of a followed file (`{name}.*` → `access.log.1`, `access.log.2.gz`).
 * Wildcards are allowed in the file name only (`*`, `?`, `[abc]`, `[!abc]`),
 * so a pattern is one directory listing, never a walk of the tree.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Whether a pattern has wildcards. */
const WILDCARD = /[*?[]/;

/**
 * Whether `p` is a pattern (wildcards in its file name) rather than one file.
 *
 * @example
 * isGlob('/var/log/nginx/*.access.log') // true
 */
export function isGlob(p: string): boolean {
  return WILDCARD.test(path.basename(p));
}

/**
 * Whether `p` has wildcards outside its file name (not supported).
 *
 * @example
 * globInDirectory('/var/log/* /access.log') // true
 */
export function globInDirectory(p: string): boolean {
  return WILDCARD.test(path.dirname(p));
}

/**
 * The regular expression of a file-name pattern (`*` any run of characters,
 * `?` one, `[…]` a class, `[!…]` its complement; everything else literal).
 *
 * @example
 * nameMatcher('*.access.log').test('shop.access.log') // true
 */
export function nameMatcher(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/**
 * The regular files a pattern matches now, sorted by name; [] when its
 * directory cannot be listed (it may appear later). Files `known` says are
 * known already are listed without being looked at again.
 *
 * @example
 * expandGlob('/var/log/nginx/*.access.log') // ['/var/log/nginx/a.access.log', '/var/log/nginx/b.access.log']
 */
export function expandGlob(pattern: string, known?: (file: string) => boolean): string[] {
  const dir = path.dirname(pattern);
  const re = nameMatcher(path.basename(pattern));
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names.sort()) {
    if (!re.test(name)) continue;
    const file = path.join(dir, name);
    if (known?.(file) === true) {
      out.push(file);
      continue;
    }
    try {
      if (fs.statSync(file).isFile()) out.push(file);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
