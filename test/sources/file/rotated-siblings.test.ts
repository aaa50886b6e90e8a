import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandGlob, isGlob, nameMatcher } from '../../../src/sources/file/glob.js';
import { DEFAULT_ROTATED, rotatedSiblings } from '../../../src/sources/file/rotated-siblings.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-siblings-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const touch = (...names: string[]): void => names.forEach((n) => fs.writeFileSync(path.join(dir, n), n));
const names = (live: string, patterns: readonly string[] = DEFAULT_ROTATED): string[] => rotatedSiblings(path.join(dir, live), patterns).map((s) => path.basename(s.path));

describe('rotatedSiblings', () => {
  it('lists numbered siblings oldest first (a higher number is older), compressed or not', () => {
    touch('access.log', 'access.log.1', 'access.log.2.gz', 'access.log.10.gz', 'access.log.3.gz', 'error.log.1', 'access.log.bak-notes');
    expect(names('access.log').filter((n) => n !== 'access.log.bak-notes')).toEqual(['access.log.10.gz', 'access.log.3.gz', 'access.log.2.gz', 'access.log.1']);
  });

  it('lists dated siblings (dateext) oldest first, whatever their compression', () => {
    touch('access.log', 'access.log-20261120.gz', 'access.log-20261122', 'access.log-20261121.gz');
    expect(names('access.log')).toEqual(['access.log-20261120.gz', 'access.log-20261121.gz', 'access.log-20261122']);
  });

  it('puts the uncompressed copy of one rotation before its compressed one (logrotate compressing right now)', () => {
    touch('access.log', 'access.log.1.gz', 'access.log.1');
    expect(names('access.log')).toEqual(['access.log.1', 'access.log.1.gz']);
  });

  it('says which siblings are gzip (read back) and which are compressed otherwise (cannot be)', () => {
    touch('access.log', 'access.log.1', 'access.log.2.gz', 'access.log.3.xz');
    expect(rotatedSiblings(path.join(dir, 'access.log'), DEFAULT_ROTATED).map((s) => [path.basename(s.path), s.compression])).toEqual([
      ['access.log.3.xz', 'other'],
      ['access.log.2.gz', 'gzip'],
      ['access.log.1', undefined],
    ]);
  });

  it('takes the patterns of the config, relative to the followed file or absolute (olddir), {name} standing for its name', () => {
    fs.mkdirSync(path.join(dir, 'old'));
    touch('access.log', 'access.log.1');
    fs.writeFileSync(path.join(dir, 'old', 'access.log.2.gz'), '');
    expect(names('access.log', ['{name}.*', path.join(dir, 'old', '{name}.*')])).toEqual(['access.log.2.gz', 'access.log.1']);
    expect(names('access.log', ['{name}.1'])).toEqual(['access.log.1']);
  });

  it('ignores directories and the followed file itself', () => {
    touch('access.log');
    fs.mkdirSync(path.join(dir, 'access.log.d'));
    expect(names('access.log')).toEqual([]);
  });
});

describe('file-name patterns', () => {
  it('tells a pattern from a file, by wildcards in the file name', () => {
    expect(isGlob('/var/log/nginx/*.access.log')).toBe(true);
    expect(isGlob('/var/log/nginx/access.log')).toBe(false);
    expect(isGlob('/var/log/ngin?/access.log')).toBe(false);
  });

  it('matches *, ?, classes and complements, and nothing else as special', () => {
    expect(nameMatcher('*.access.log').test('shop.access.log')).toBe(true);
    expect(nameMatcher('*.access.log').test('shop.access.log.1')).toBe(false);
    expect(nameMatcher('*.access.log').test('shopxaccess.log')).toBe(false);
    expect(nameMatcher('app?.log').test('app1.log')).toBe(true);
    expect(nameMatcher('app[12].log').test('app2.log')).toBe(true);
    expect(nameMatcher('app[!12].log').test('app2.log')).toBe(false);
    expect(nameMatcher('a+(b).log').test('a+(b).log')).toBe(true);
  });

  it('expands to the regular files that match now, sorted', () => {
    touch('b.access.log', 'a.access.log', 'c.error.log');
    fs.mkdirSync(path.join(dir, 'd.access.log'));
    expect(expandGlob(path.join(dir, '*.access.log')).map((f) => path.basename(f))).toEqual(['a.access.log', 'b.access.log']);
    expect(expandGlob(path.join(dir, 'missing', '*.log'))).toEqual([]);
  });
});
