/**
 * What long-running gallra processes do once a minute to keep the promises
 * about time: destroy the salts of closed epochs, forget every keyed state
 * and cached pseudonym derived from them, and whatever else the caller adds
 * (the file sinks' retention window). `anonymise` as an Apache piped logger
 * and `gallra run` both live for days.
 */
import type { Keyring } from './keyring.js';

export const HOUSEKEEPING_MS = 60_000;

/** Whatever keeps state derived from salts (the pseudonymisers): told to forget what a destroyed salt gave. */
export interface DerivedFromSalts {
  dropWiped(): void;
}

export interface Housekeeping {
  /** Runs the work now (also done at start). */
  runNow(): void;
  stop(): void;
}

/**
 * @example
 * const hk = startHousekeeping(keyring, () => [anonymiser.pseudonymiser], (err) => log.error({ err }, 'housekeeping failed'));
 * … hk.stop();
 */
export function startHousekeeping(keyring: Keyring, pseudonymisers: () => readonly DerivedFromSalts[], onError: (err: unknown) => void, also?: () => void): Housekeeping {
  const work = (): void => {
    try {
      keyring.destroyClosed();
      for (const p of pseudonymisers()) p.dropWiped();
      also?.();
    } catch (err) {
      onError(err);
    }
  };
  const timer = setInterval(work, HOUSEKEEPING_MS).unref();
  return {
    runNow: work,
    stop: () => clearInterval(timer),
  };
}
