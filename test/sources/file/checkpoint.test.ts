import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isGallraError } from '../../../src/errors.js';
import { fileSegment } from '../../../src/sources/source.js';
import { type Checkpoint, fingerprintKey, readCheckpoint, writeCheckpoint } from '../../../src/sources/file/checkpoint.js';
import { FileTailSource } from '../../../src/sources/file/file-tail.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'gallra-checkpoint-'));
  file = path.join(dir, 'checkpoints', 'nginx.json');
});

afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const HEAD = '0123456789abcdef0123456789abcdef';
const CP: Checkpoint = { path: '/var/log/nginx/access.log', segment: fileSegment('2049', '1234567', HEAD, 1024), offset: 98_765 };
/** A valid checkpoint file's fields, for variations on it. */
const VALID = { path: '/x', dev: '1', ino: '2', head: HEAD, head_bytes: 1024, offset: 3 };
const json = (over: Record<string, unknown>, drop: string[] = []): string => JSON.stringify(Object.fromEntries(Object.entries({ ...VALID, ...over }).filter(([k]) => !drop.includes(k))));

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('writeCheckpoint and readCheckpoint', () => {
  it('read back what was written', async () => {
    await writeCheckpoint(file, CP);
    expect(readCheckpoint(file)).toEqual(CP);
  });

  it('read undefined when there is no checkpoint', async () => {
    expect(readCheckpoint(file)).toBeUndefined();
  });

  it('replace an older checkpoint', async () => {
    await writeCheckpoint(file, CP);
    await writeCheckpoint(file, { ...CP, offset: 0 });
    expect(readCheckpoint(file)).toEqual({ ...CP, offset: 0 });
  });

  it('write JSON with the position only, mode 0600, in a directory created 0700', async () => {
    await writeCheckpoint(file, CP);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ path: CP.path, dev: '2049', ino: '1234567', head: HEAD, head_bytes: 1024, offset: 98_765 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  });

  it('keep a 20-digit inode and device exactly, as strings (beyond 2^53, where JSON numbers lose digits)', async () => {
    const big: Checkpoint = { ...CP, segment: fileSegment('18446744073709551557', '18446744073709551615', HEAD, 1024) };
    await writeCheckpoint(file, big);
    const raw = fs.readFileSync(file, 'utf8');
    expect(raw).toContain('"ino":"18446744073709551615"');
    expect(raw).toContain('"dev":"18446744073709551557"');
    expect(readCheckpoint(file)).toEqual(big);
    // The number would not have survived: the digits really are beyond a double.
    expect(String(Number(big.segment.ino))).not.toBe(big.segment.ino);
  });

  it('round-trip the checkpoint of an empty file (no fingerprint yet)', async () => {
    const empty: Checkpoint = { ...CP, segment: { ...CP.segment, head: '', headBytes: 0 }, offset: 0 };
    await writeCheckpoint(file, empty);
    expect(readCheckpoint(file)).toEqual(empty);
  });

  it('read a checkpoint file that a person reformatted', async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(JSON.parse(json({})), null, 2)}\n`);
    expect(readCheckpoint(file)).toEqual({ path: '/x', segment: fileSegment('1', '2', HEAD, 1024), offset: 3 });
  });

  it('leave no temporary file behind', async () => {
    for (let i = 0; i < 5; i++) await writeCheckpoint(file, { ...CP, offset: i });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['nginx.json']);
  });

  it('replace the file by rename, so a reader sees the old or the new checkpoint, never a mix', async () => {
    await writeCheckpoint(file, CP);
    const renames: [string, string][] = [];
    const rename = fsp.rename;
    vi.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
      // Just before the switch the old checkpoint is still whole, the new one complete beside it.
      expect(readCheckpoint(file)).toEqual(CP);
      expect(JSON.parse(fs.readFileSync(from, 'utf8'))).toMatchObject({ offset: 7 });
      renames.push([String(from), String(to)]);
      return rename(from, to);
    });
    await writeCheckpoint(file, { ...CP, offset: 7 });
    expect(renames).toHaveLength(1);
    expect(renames[0]![1]).toBe(file);
    expect(path.dirname(renames[0]![0])).toBe(path.dirname(file));
    expect(readCheckpoint(file)).toEqual({ ...CP, offset: 7 });
  });

  it('keep the old checkpoint and remove the temporary file when writing fails', async () => {
    await writeCheckpoint(file, CP);
    vi.spyOn(fsp, 'rename').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    const err = await rejectionOf(writeCheckpoint(file, { ...CP, offset: 1 }));
    expect(isGallraError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'GALLRA_CHECKPOINT_IO' });
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain('EIO');
    expect(readCheckpoint(file)).toEqual(CP);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['nginx.json']);
  });

  it('fail with GALLRA_CHECKPOINT_IO when the directory cannot be created', async () => {
    fs.writeFileSync(path.join(dir, 'checkpoints'), 'a file, not a directory');
    const err = await rejectionOf(writeCheckpoint(file, CP));
    expect(err).toMatchObject({ code: 'GALLRA_CHECKPOINT_IO' });
    expect((err as Error).message).toContain(file);
  });
});

describe('readCheckpoint on a bad file', () => {
  it.each([
    ['empty', ''],
    ['not JSON', 'offset=12'],
    ['truncated JSON', json({}).slice(0, -8)],
    ['null', 'null'],
    ['an array', '[1,2,3]'],
    ['in the old layout (numeric dev and inode, no fingerprint)', '{"path":"/x","dev":1,"ino":2,"offset":3}'],
    ['no path', json({}, ['path'])],
    ['a path that is not a string', json({ path: 5 })],
    ['no device', json({}, ['dev'])],
    ['no inode', json({}, ['ino'])],
    ['an inode as a number', json({ ino: 2 })],
    ['a device as a number', json({ dev: 1 })],
    ['an inode that is not decimal digits', json({ ino: '0x2a' })],
    ['a negative inode', json({ ino: '-2' })],
    ['an empty inode', json({ ino: '' })],
    ['an inode of 41 digits', json({ ino: '1'.repeat(41) })],
    ['no fingerprint', json({}, ['head'])],
    ['a fingerprint that is not lower-case hex', json({ head: HEAD.toUpperCase() })],
    ['a fingerprint longer than a SHA-256', json({ head: 'a'.repeat(65) })],
    ['a fingerprint that is not a string', json({ head: 12 })],
    ['no fingerprint length', json({}, ['head_bytes'])],
    ['a negative fingerprint length', json({ head_bytes: -1 })],
    ['a fractional fingerprint length', json({ head_bytes: 1.5 })],
    ['a fingerprint length as a string', json({ head_bytes: '1024' })],
    ['no offset', json({}, ['offset'])],
    ['a fractional offset', json({ offset: 3.5 })],
    ['a negative offset', json({ offset: -1 })],
    ['an offset beyond safe integers', json({ offset: 1e300 })],
  ])('rejects a checkpoint that is %s with GALLRA_CHECKPOINT_IO naming the file', (_what, text) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    const err = errorOf(() => readCheckpoint(file));
    expect(isGallraError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'GALLRA_CHECKPOINT_IO' });
    expect((err as Error).message).toContain(file);
    // The message says what to do, and never quotes the file's content.
    expect((err as Error).message).toMatch(/remove it/);
    if (text.length > 4) expect((err as Error).message).not.toContain(text);
  });

  it('rejects a checkpoint path that cannot be read with GALLRA_CHECKPOINT_IO naming it', () => {
    fs.mkdirSync(file, { recursive: true });
    const err = errorOf(() => readCheckpoint(file));
    expect(err).toMatchObject({ code: 'GALLRA_CHECKPOINT_IO' });
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain('EISDIR');
  });
});

describe('fingerprintKey', () => {
  it('creates one 32-byte key per checkpoint directory, 0600, and returns the same key every time (also to a second caller)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gallra-fpkey-'));
    try {
      const a = fingerprintKey(path.join(dir, 'cp', 'nginx.json'));
      const b = fingerprintKey(path.join(dir, 'cp', 'other.json'));
      expect(a).toHaveLength(32);
      expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
      const file = path.join(dir, 'cp', '.fingerprint.key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.readdirSync(path.join(dir, 'cp')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps fingerprints from being a plain hash of raw log text: a checkpoint written by a tail does not contain SHA-256 of the first line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gallra-fpkey-'));
    try {
      const log = path.join(dir, 'access.log');
      const line = '81.6.12.34 - alice [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1\n';
      fs.writeFileSync(log, line);
      const cpFile = path.join(dir, 'cp.json');
      const src = new FileTailSource({ name: 't', path: log, startAt: 'beginning', checkpointFile: cpFile, pollMs: 20, rotateWaitMs: 50 });
      await src.start();
      const it = src.batches()[Symbol.asyncIterator]();
      const first = await it.next();
      await src.commit([{ segment: first.value!.segment!, offset: first.value!.offset }]);
      src.stop();
      await it.return?.(undefined);
      const plain = crypto.createHash('sha256').update(line).digest('hex');
      const text = fs.readFileSync(cpFile, 'utf8');
      expect(text).not.toContain(plain.slice(0, 32));
      expect(readCheckpoint(cpFile)?.segment.head).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
