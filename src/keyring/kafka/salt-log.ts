/**
 * The keyring topic as read so far: for each epoch, the salt records still
 * alive, in log order. Every instance reads the one partition in the same
 * order, so "the first live record of an epoch" names the same salt for all
 * of them with no coordinator but Kafka.
 *
 * Record key: `<period>/<epoch label>/<writer id>` (a writer id per record,
 * so compaction never replaces one instance's salt by another's — it keeps
 * the last record per key, and "first wins" needs them all); value: the 32
 * salt bytes, or null — a tombstone that destroys the record with that key.
 */
import { epochLabel, type EpochPeriod, isEpochPeriod, parseEpochLabel } from '../../time/epoch.js';
import { SALT_BYTES } from '../salt-handle.js';

/** A salt record of one epoch. */
interface Candidate {
  readonly key: string;
  readonly bytes: Uint8Array;
}

/** An epoch named by the records. */
export interface LoggedEpoch {
  readonly period: EpochPeriod;
  readonly start: number;
  /** Keys of its live records, in log order. */
  readonly keys: readonly string[];
}

/**
 * The key of a new salt record.
 *
 * @example
 * saltKey('P1D', Date.UTC(2026, 10, 22), 'a1b2') // 'P1D/20261122T000000Z/a1b2'
 */
export function saltKey(period: EpochPeriod, start: number, writer: string): string {
  return `${period}/${epochLabel(start)}/${writer}`;
}

/** The period and epoch start a record key names, or undefined for a key that is not a salt record's. */
export function parseSaltKey(key: string): { period: EpochPeriod; start: number } | undefined {
  const [period, label, writer, ...rest] = key.split('/');
  if (period === undefined || label === undefined || writer === undefined || writer === '' || rest.length > 0 || !isEpochPeriod(period)) return undefined;
  const start = parseEpochLabel(label);
  return start === undefined ? undefined : { period, start };
}

/**
 * @example
 * const log = new SaltLog();
 * log.apply('P1D/20261122T000000Z/a', bytes); log.apply('P1D/20261122T000000Z/b', other);
 * log.winner('P1D', Date.UTC(2026, 10, 22)) // a copy of `bytes`: the first record wins
 */
export class SaltLog {
  readonly #epochs = new Map<string, Candidate[]>();
  /** Records that were not salt records (wrong key or size): ignored, counted. */
  ignored = 0;

  /** Applies one record, in log order. Returns the epoch it touched, if any. */
  apply(key: string | undefined, value: Buffer | null): { period: EpochPeriod; start: number; tombstone: boolean } | undefined {
    const named = key === undefined ? undefined : parseSaltKey(key);
    if (named === undefined || (value !== null && value.length !== SALT_BYTES)) {
      this.ignored++;
      return undefined;
    }
    const id = `${named.period}/${named.start}`;
    const list = this.#epochs.get(id) ?? [];
    if (value === null) {
      const i = list.findIndex((c) => c.key === key);
      if (i >= 0) list.splice(i, 1)[0]!.bytes.fill(0);
    } else {
      // A key written again replaces its earlier record, as compaction would.
      const i = list.findIndex((c) => c.key === key);
      if (i >= 0) list.splice(i, 1)[0]!.bytes.fill(0);
      list.push({ key: key!, bytes: Uint8Array.from(value) });
      value.fill(0);
    }
    if (list.length > 0) this.#epochs.set(id, list);
    else this.#epochs.delete(id);
    return { ...named, tombstone: value === null };
  }

  /** A copy of the epoch's salt — its first live record's — or undefined when it has none. */
  winner(period: EpochPeriod, start: number): Uint8Array | undefined {
    const first = this.#epochs.get(`${period}/${start}`)?.[0];
    return first === undefined ? undefined : Uint8Array.from(first.bytes);
  }

  /** The key of the epoch's salt record, when it has one. */
  winnerKey(period: EpochPeriod, start: number): string | undefined {
    return this.#epochs.get(`${period}/${start}`)?.[0]?.key;
  }

  /** Every epoch with live records. */
  epochs(): LoggedEpoch[] {
    const out: LoggedEpoch[] = [];
    for (const [id, list] of this.#epochs) {
      const [period, start] = id.split('/') as [EpochPeriod, string];
      out.push({ period, start: Number(start), keys: list.map((c) => c.key) });
    }
    return out.sort((a, b) => a.start - b.start || a.period.localeCompare(b.period));
  }

  /** Zero-fills and forgets every salt read. */
  wipe(): void {
    for (const list of this.#epochs.values()) for (const c of list) c.bytes.fill(0);
    this.#epochs.clear();
  }
}
