/**
 * A keyring held in memory, for tests of formats, the anonymiser and the
 * pipeline that call the engine line by line without awaiting anything. It
 * shares the real per-line logic (SaltTable: open, closed, ephemeral), but
 * where FileKeyring throws GALLRA_INTERNAL for an open epoch nobody prepared,
 * this double creates the salt on the spot — memory needs no I/O. The file
 * backend, prepare() and the no-I/O lookup are tested in test/keyring/.
 */
import type { EpochSalt, Keyring, SaltFileInfo } from '../../src/keyring/keyring.js';
import { freshSalt } from '../../src/keyring/salt-handle.js';
import { SaltTable } from '../../src/keyring/salt-table.js';
import { type Duration, parseDuration } from '../../src/time/duration.js';
import { epochOf, type EpochPeriod } from '../../src/time/epoch.js';

export interface MemoryKeyringOptions {
  readonly period?: EpochPeriod;
  readonly grace?: Duration;
  readonly future?: Duration;
  readonly now?: () => number;
}

/**
 * @example
 * const keyring = new MemoryKeyring({ now: () => clock.t });
 * new Anonymiser({ policy, keyring, now: () => clock.t })
 */
export class MemoryKeyring implements Keyring {
  readonly #table: SaltTable;
  readonly #now: () => number;

  constructor(options: MemoryKeyringOptions = {}) {
    this.#table = new SaltTable({ period: options.period ?? 'P1D', grace: options.grace ?? parseDuration('PT1H')!, future: options.future ?? parseDuration('PT1H')! });
    this.#now = options.now ?? Date.now;
  }

  async prepare(nowMs: number): Promise<void> {
    for (const epoch of this.#table.missing(nowMs)) this.#table.install(epoch, freshSalt());
    this.#table.markPrepared(nowMs);
  }

  saltFor(eventMs: number): EpochSalt {
    const now = this.#now();
    if (Math.abs(eventMs) <= 8.64e15) {
      this.#table.observe(now);
      const epoch = epochOf(eventMs, this.#table.period);
      if (this.#table.needs(epoch)) this.#table.install(epoch, freshSalt());
    }
    return this.#table.lookup(eventMs, now);
  }

  async list(): Promise<SaltFileInfo[]> {
    return [];
  }

  async rotate(): Promise<{ created: SaltFileInfo | undefined; destroyed: SaltFileInfo[] }> {
    this.#table.wipeClosed(this.#now());
    return { created: undefined, destroyed: [] };
  }

  async destroyClosed(): Promise<SaltFileInfo[]> {
    this.#table.wipeClosed(this.#now());
    return [];
  }

  async destroyAll(): Promise<SaltFileInfo[]> {
    this.#table.wipeAll();
    return [];
  }

  close(): void {
    this.#table.wipeAll();
    this.#table.renewSecret();
  }
}
