/**
 * What long-running gallra processes do once a minute to keep the promises
 * about time: destroy the salts of closed epochs, forget every keyed state
 * and cached pseudonym derived from them, and whatever else the caller adds
 * (the file sinks' retention window). `anonymise` as an Apache piped logger
 * and `gallra run` both live for days.
 *
 * One run at a time: each run awaits its disk I/O, a timer tick that comes
 * while a run is under way (or queued) is skipped, so slow storage never
 * piles runs up, and `runNow()` waits for a run under way before starting
 * its own.
 */
import type { Keyring } from './keyring.js';

/** Whatever keeps state derived from salts (the pseudonymisers): told to forget what a destroyed salt gave. */
export interface DerivedFromSalts {
  dropWiped(): void;
}

export const HOUSEKEEPING_MS = 60_000;

export interface Housekeeping {
  /** Runs the work now (after a run under way, if any); resolves when it is done. Failures go to `onError`, never here. */
  runNow(): Promise<void>;
  /** Stops the schedule; resolves once a run under way has finished, so the keyring can be closed safely. */
  stop(): Promise<void>;
}

/**
 * Starts the schedule: a run every `intervalMs` (call `runNow()` for one at
 * once), skipping ticks while a run is under way.
 *
 * @example
 * const hk = startHousekeeping(keyring, () => [anonymiser.pseudonymiser], (err) => log.error({ err }, 'housekeeping failed'));
 * await hk.runNow();
 * … await hk.stop(); keyring.close();
 */
export function startHousekeeping(
  keyring: Keyring,
  pseudonymisers: () => readonly DerivedFromSalts[],
  onError: (err: unknown) => void,
  also?: () => unknown,
  intervalMs: number = HOUSEKEEPING_MS,
): Housekeeping {
  /** The run under way or queued last (resolved when idle); runs are chained, so two never overlap. */
  let last: Promise<void> = Promise.resolve();
  /** Runs queued or under way. */
  let pending = 0;

  const work = async (): Promise<void> => {
    try {
      await keyring.destroyClosed();
      for (const p of pseudonymisers()) p.dropWiped();
      await also?.();
    } catch (err) {
      try {
        onError(err);
      } catch {
        // a failing logger must not stop the schedule (work() never rejects)
      }
    } finally {
      pending--;
    }
  };
  const run = (): Promise<void> => {
    pending++;
    return (last = last.then(work));
  };
  const timer = setInterval(() => {
    if (pending === 0) void run();
  }, intervalMs).unref();

  return {
    runNow: run,
    stop: async () => {
      clearInterval(timer);
      await last;
    },
  };
}
