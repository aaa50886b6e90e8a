/**
 * Fixtures for the keyring's own tests: a private salt directory, a
 * FileKeyring on an injected clock, salt files planted by hand, and error
 * assertions that work for sync and async calls alike.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type ErrorCode, isGallraError } from '../../src/errors.js';
import { FileKeyring, type FileKeyringOptions } from '../../src/keyring/index.js';
import { type Duration, parseDuration } from '../../src/time/duration.js';
import { PROJECT_ROOT } from './compile.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Sunday 2026-11-22 12:00Z. */
export const T0 = Date.UTC(2026, 10, 22, 12);

export function duration(text: string): Duration {
  const d = parseDuration(text);
  if (d === undefined) throw new Error(`bad test duration ${text}`);
  return d;
}

export interface KeyringFixture {
  /** A private temp directory; the salts go in `dir` below it. */
  readonly root: string;
  readonly dir: string;
  /** The clock every keyring of the fixture reads. */
  readonly clock: { t: number };
  /** A FileKeyring on `dir` (P1D, grace PT1H, future PT1H unless overridden). */
  keyring(over?: Partial<FileKeyringOptions>): FileKeyring;
  /** Names of the salt files in `dir`, sorted. */
  saltFiles(): string[];
  /** Writes a salt file by hand, as an older config or another process would have. */
  plantSalt(name: string, content?: Uint8Array, mode?: number): string;
  cleanup(): void;
}

/**
 * @example
 * let f: KeyringFixture; beforeEach(() => (f = keyringFixture())); afterEach(() => f.cleanup());
 */
export function keyringFixture(t0: number = T0): KeyringFixture {
  const root = mkdtempSync(join(tmpdir(), 'gallra-keyring-'));
  const dir = join(root, 'salts');
  const clock = { t: t0 };
  const made: FileKeyring[] = [];
  return {
    root,
    dir,
    clock,
    keyring(over = {}) {
      const kr = new FileKeyring({ dir, period: 'P1D', grace: duration('PT1H'), future: duration('PT1H'), now: () => clock.t, ...over });
      made.push(kr);
      return kr;
    },
    saltFiles: () => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.salt')).sort() : []),
    plantSalt(name, content = new Uint8Array(32).fill(7), mode = 0o600) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      const path = join(dir, name);
      writeFileSync(path, content, { mode });
      chmodSync(path, mode);
      return path;
    },
    cleanup() {
      for (const kr of made) kr.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function bytesOf(a: Uint8Array): number[] {
  return Array.from(a);
}

export function isAllZero(a: Uint8Array): boolean {
  return a.every((b) => b === 0);
}

/** The error `fn` throws or rejects with; fails the test when there is none. */
export async function caught(fn: () => unknown): Promise<Error & { code?: ErrorCode }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code?: ErrorCode };
  }
  throw new Error('expected an error, none was thrown');
}

/** Asserts that `fn` throws (or rejects with) a GallraError with `code`, and returns it. */
export async function expectGallraError(fn: () => unknown, code: ErrorCode): Promise<Error & { code?: ErrorCode }> {
  const err = await caught(fn);
  expect(isGallraError(err), String(err)).toBe(true);
  expect(err.code).toBe(code);
  return err;
}

/**
 * Starts `n` copies of race-child.mjs, waits until each has loaded the code,
 * releases them all at once, and returns what each printed.
 */
export async function raceChildren(distDir: string, n: number, args: { dir: string; period: string; now: number; events: number[] }): Promise<string[]> {
  const child = join(PROJECT_ROOT, 'test', 'keyring', 'race-child.mjs');
  const children: ChildProcess[] = [];
  const outputs: string[] = Array.from({ length: n }, () => '');
  let ready = 0;
  const exits: Promise<number | null>[] = [];
  await new Promise<void>((resolveAll, reject) => {
    for (let i = 0; i < n; i++) {
      const cp = spawn(process.execPath, [child, distDir, args.dir, args.period, String(args.now), JSON.stringify(args.events)], { stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(cp);
      let stderr = '';
      cp.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      exits.push(
        new Promise((res) =>
          cp.on('exit', (code) => {
            if (code !== 0) reject(new Error(`child ${i} exited ${code}: ${stderr}`));
            res(code);
          }),
        ),
      );
      cp.stdout?.on('data', (d: Buffer) => {
        const before = outputs[i] ?? '';
        outputs[i] = before + d.toString();
        if (!before.includes('ready\n') && (outputs[i] ?? '').includes('ready\n') && ++ready === n) {
          // Every child has loaded the code: release them all at once.
          for (const c of children) c.stdin?.write('go\n');
          resolveAll();
        }
      });
    }
  });
  await Promise.all(exits);
  return outputs;
}
