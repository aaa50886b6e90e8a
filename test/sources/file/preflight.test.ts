/**
 * What a file source says about its path before reading: a missing file is
 * a warning (it may appear later); a directory, a pipe, a compressed file or
 * one the user cannot read is an error that says how to fix it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkFilePath } from '../../../src/sources/file/preflight.js';
import { ensureBuilt, ROOT } from '../../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-preflight-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeAll(() => ensureBuilt(), 180_000);

describe('checkFilePath', () => {
  it('accepts a readable regular file without a word', () => {
    fs.writeFileSync(path.join(dir, 'access.log'), 'x\n');
    expect(checkFilePath(path.join(dir, 'access.log'))).toEqual({ error: undefined, warnings: [] });
  });

  it('warns, without failing, about a file that does not exist yet, and about a missing directory', () => {
    const r = checkFilePath(path.join(dir, 'access.log'));
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual([`${path.join(dir, 'access.log')} does not exist yet; it is followed from its first byte once it appears`]);
    expect(checkFilePath(path.join(dir, 'nope', 'access.log')).warnings[0]).toMatch(/^neither .* nor its directory exists yet/);
  });

  it('refuses a directory, saying to name the file in it or a pattern', () => {
    const r = checkFilePath(dir);
    expect(r.error).toMatchObject({ code: 'GALLRA_SOURCE_FAILED' });
    expect(r.error!.message).toBe(`${dir} is a directory; name the log file in it (path: ${path.join(dir, 'access.log')}) or a pattern for several (path: ${path.join(dir, '*.log')})`);
  });

  it('refuses a named pipe, pointing at the fifo source', () => {
    const fifo = path.join(dir, 'access.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(checkFilePath(fifo).error!.message).toContain('read it with a source of type: fifo');
  });

  it('refuses a gzip-compressed file (by its bytes, whatever its name), pointing at gallra anonymise', () => {
    const f = path.join(dir, 'access.log');
    fs.writeFileSync(f, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]));
    expect(checkFilePath(f).error!.message).toBe(`${f} is gzip-compressed; a compressed file is never appended to, so there is nothing to follow: read it once with gallra anonymise ${f}`);
  });

  it('warns about a pattern nothing matches yet, and accepts one that matches', () => {
    expect(checkFilePath(path.join(dir, '*.access.log')).warnings).toEqual([`no file matches ${path.join(dir, '*.access.log')} yet; files are followed as they appear`]);
    fs.writeFileSync(path.join(dir, 'a.access.log'), '');
    expect(checkFilePath(path.join(dir, '*.access.log'))).toEqual({ error: undefined, warnings: [] });
  });

  it('refuses a file the user cannot read, naming the user and the fix (group adm)', () => {
    const f = path.join(dir, 'access.log');
    fs.writeFileSync(f, 'x\n', { mode: 0o600 });
    fs.chmodSync(dir, 0o755);
    const root = process.getuid?.() === 0;
    if (!root) fs.chmodSync(f, 0o000);
    // Root reads everything: check as nobody.
    const script = `import('${path.join(ROOT, 'dist', 'sources', 'file', 'preflight.js')}').then((m) => process.stdout.write(m.checkFilePath(${JSON.stringify(f)}).error?.message ?? 'no error'))`;
    const r = root ? spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' }) : { stdout: checkFilePath(f).error?.message ?? 'no error', stderr: '' };
    expect(r.stdout, r.stderr).toMatch(new RegExp(`^cannot read ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: permission denied for user (\\S+); give it read access .* group adm: add the user to it \\(usermod -aG adm \\1\\) or run the service with Group=adm`));
  });
});
