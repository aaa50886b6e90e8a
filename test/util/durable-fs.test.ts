import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DURABLE_TEMP_RE, DurableWriteError, fsyncDir, writeFileDurably } from '../../src/util/durable-fs.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gallra-durable-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileDurably', () => {
  it('replaces the target by default and leaves no temp file behind', async () => {
    const file = join(dir, 'checkpoint.json');
    writeFileSync(file, 'old\n');
    expect(await writeFileDurably(file, 'new\n')).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(readdirSync(dir)).toEqual(['checkpoint.json']);
  });

  it('with exclusive, publishes only the first writer: a later write reports false and leaves the file as it was', async () => {
    const file = join(dir, 'key');
    const results = await Promise.all([1, 2, 3, 4].map((n) => writeFileDurably(file, new Uint8Array(32).fill(n), { exclusive: true })));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true) + 1;
    expect(Array.from(readFileSync(file))).toEqual(Array.from(new Uint8Array(32).fill(winner)));
    expect(readdirSync(dir)).toEqual(['key']);
  });

  it('sets the mode exactly, whatever the umask', async () => {
    let old: number | undefined;
    try {
      old = process.umask(0o277);
    } catch {
      // not allowed in a worker thread; the mode is still checked
    }
    try {
      await writeFileDurably(join(dir, 'a'), 'x', { mode: 0o640 });
    } finally {
      if (old !== undefined) process.umask(old);
    }
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o640);
  });

  it('names its temp files so that DURABLE_TEMP_RE recognises them, and reports the failed step and path', async () => {
    expect(DURABLE_TEMP_RE.test('.P1D-20261122T000000Z.salt.4242.00ff00ff00ff00ff.tmp')).toBe(true);
    expect(DURABLE_TEMP_RE.test('P1D-20261122T000000Z.salt')).toBe(false);
    const missing = join(dir, 'no', 'such', 'file');
    const err = await writeFileDurably(missing, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DurableWriteError);
    expect((err as DurableWriteError).step).toBe('create');
    expect((err as DurableWriteError).code).toBe('ENOENT');
    expect((err as DurableWriteError).path).toContain(join(dir, 'no', 'such'));
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });

  it('fsyncDir accepts a directory and reports one that cannot be opened', async () => {
    await fsyncDir(dir);
    await expect(fsyncDir(join(dir, 'missing'))).rejects.toMatchObject({ step: 'open directory', code: 'ENOENT' });
  });
});
