/**
 * State files aged by when they were last written — checkpoints: a
 * checkpoint names a log file by a keyed fingerprint of its first line, so
 * one not rewritten for longer than the window speaks of a log line older
 * than the window, and goes. A running source rewrites its checkpoint
 * whenever its position moves, so only the checkpoints of sources that have
 * read nothing for the whole window (or are no longer in the policy) go; a
 * source that starts without one begins where its `start_at` says, and
 * anything it reads again that is older than the window is dropped at the
 * gate.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { errnoOf } from '../util/errno.js';
import type { Removal, Retainable, SweepOutcome } from './retainable.js';
import { isExpiredAt, retentionCutoff, type RetentionWindow } from './window.js';

export interface StaleFileStoreOptions {
  /** Directories to look in (missing ones hold nothing). */
  readonly dirs: readonly string[];
  /** Which names are the store's: checkpoints and the temp files a crash can leave of them. */
  readonly match: RegExp;
  readonly window: Pick<RetentionWindow, 'keep'>;
}

/** Checkpoints (`<name>.json`) and the temp files their writer leaves on a crash (`<name>.json.tmp-<pid>`). */
export const CHECKPOINT_FILE = /^[^.].*\.json(?:\.tmp-\d+)?$/;

/**
 * @example
 * const checkpoints = new StaleFileStore({ dirs: ['/var/lib/gallra/checkpoints'], match: CHECKPOINT_FILE, window });
 */
export class StaleFileStore implements Retainable {
  constructor(private readonly options: StaleFileStoreOptions) {}

  async enforce(nowMs: number, dryRun: boolean): Promise<SweepOutcome> {
    const cutoff = retentionCutoff(nowMs, this.options.window);
    const removed: Removal[] = [];
    for (const f of await this.files()) {
      if (!isExpiredAt(f.mtime, cutoff)) continue;
      removed.push({ what: 'checkpoint', name: path.basename(f.path) });
      if (!dryRun) await fsp.rm(f.path, { force: true });
    }
    return { removed };
  }

  async oldest(): Promise<number | undefined> {
    let min: number | undefined;
    for (const f of await this.files()) min = min === undefined ? f.mtime : Math.min(min, f.mtime);
    return min;
  }

  private async files(): Promise<{ path: string; mtime: number }[]> {
    const out: { path: string; mtime: number }[] = [];
    for (const dir of new Set(this.options.dirs)) {
      let names: string[];
      try {
        names = await fsp.readdir(dir);
      } catch (err) {
        if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') continue;
        throw err;
      }
      for (const name of names) {
        if (!this.options.match.test(name)) continue;
        const p = path.join(dir, name);
        try {
          const st = await fsp.lstat(p);
          if (st.isFile()) out.push({ path: p, mtime: st.mtimeMs });
        } catch (err) {
          if (errnoOf(err) !== 'ENOENT') throw err;
        }
      }
    }
    return out;
  }
}
