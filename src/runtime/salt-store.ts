/**
 * The keyring's salts as a store the sweeper holds to time, and the
 * auditing of every salt destruction wherever it happens (the housekeeping
 * of `gallra run` and `gallra anonymise`, `gallra salts`, `gallra
 * retention`): a salt is kept until its epoch closes (`salts.epoch` + the
 * `salts.grace` after it), then destroyed, and from then on that epoch's
 * pseudonyms cannot be linked to anyone.
 */
import { auditLogPath } from '../audit/config.js';
import { AuditLog } from '../audit/log.js';
import { removedOf } from '../audit/record.js';
import type { EpochSalt, Keyring, SaltFileInfo } from '../keyring/keyring.js';
import type { LoadedPolicy } from '../policy/load.js';
import type { PolicyConfig } from '../policy/schema.js';
import type { Removal, Retainable, SweepOutcome } from '../retention/retainable.js';

/** How the audit trail and reports name an epoch: `P1D 2031-03-13T00:00:00Z`. */
export function epochName(s: Pick<SaltFileInfo, 'period' | 'start'>): string {
  return `${s.period} ${new Date(s.start).toISOString().replace('.000Z', 'Z')}`;
}

/** The policy clause that salts are destroyed under. */
export function saltsClause(policy: PolicyConfig): string {
  return `salts.epoch: ${policy.salts.epoch} + salts.grace: ${policy.salts.grace}`;
}

/**
 * The salts of a keyring as a Retainable: destroys closed ones; overdue
 * from the close of the earliest closed salt still held.
 *
 * @example
 * new Sweeper([{ name: 'salts', kind: 'salts', clause, keep: undefined, retainable: saltStore(keyring) }], Date.now)
 */
export function saltStore(keyring: Keyring): Retainable {
  const removal = (s: SaltFileInfo): Removal => ({ what: 'salt', name: epochName(s) });
  return {
    async enforce(_nowMs: number, dryRun: boolean): Promise<SweepOutcome> {
      const gone = dryRun ? (await keyring.list()).filter((s) => s.state === 'closed') : await keyring.destroyClosed();
      return { removed: gone.map(removal) };
    },
    async oldest(): Promise<number | undefined> {
      const all = await keyring.list();
      return all.length === 0 ? undefined : Math.min(...all.map((s) => s.start));
    },
    async overdue(): Promise<number | undefined> {
      const closed = (await keyring.list()).filter((s) => s.state === 'closed');
      return closed.length === 0 ? undefined : Math.min(...closed.map((s) => s.closesAt));
    },
  };
}

/**
 * A keyring whose destructions are recorded in the audit trail (one record
 * per call that destroyed anything). Everything else passes through.
 *
 * @example
 * const keyring = new AuditedKeyring(new FileKeyring(…), audit, { by: 'gallra run', clause: saltsClause(policy), onError: (err) => log.error({ err }) });
 */
export class AuditedKeyring implements Keyring {
  constructor(
    private readonly inner: Keyring,
    private readonly audit: AuditLog,
    private readonly options: { readonly by: string; readonly clause: string; readonly onError: (err: unknown) => void },
  ) {}

  prepare(nowMs: number): Promise<void> {
    return this.inner.prepare(nowMs);
  }

  saltFor(eventMs: number): EpochSalt {
    return this.inner.saltFor(eventMs);
  }

  list(): Promise<SaltFileInfo[]> {
    return this.inner.list();
  }

  async rotate(): Promise<{ created: SaltFileInfo | undefined; destroyed: SaltFileInfo[] }> {
    const r = await this.inner.rotate();
    await this.record(r.destroyed);
    return r;
  }

  async destroyClosed(): Promise<SaltFileInfo[]> {
    return this.record(await this.inner.destroyClosed());
  }

  async destroyAll(): Promise<SaltFileInfo[]> {
    return this.record(await this.inner.destroyAll(), 'every salt destroyed on request (salts destroy --all)');
  }

  close(): void {
    this.inner.close();
  }

  private async record(destroyed: SaltFileInfo[], reason?: string): Promise<SaltFileInfo[]> {
    if (destroyed.length === 0) return destroyed;
    try {
      await this.audit.append({
        action: 'sweep',
        by: this.options.by,
        store: 'salts',
        kind: 'salts',
        clause: this.options.clause,
        removed: removedOf(destroyed.map((s) => ({ what: 'salt', name: epochName(s) }))),
        ...(reason !== undefined ? { reason } : {}),
      });
    } catch (err) {
      // The salts are gone either way; a failed record is reported, never a reason to keep them.
      this.options.onError(err);
    }
    return destroyed;
  }
}

/**
 * A keyring whose salt destructions go into the policy's audit trail.
 *
 * @example
 * const keyring = withSaltAudit(new FileKeyring(…), loaded, 'gallra anonymise', (err) => log.error({ err }, 'audit record not written'));
 */
export function withSaltAudit(keyring: Keyring, loaded: LoadedPolicy, by: string, onError: (err: unknown) => void, env: NodeJS.ProcessEnv = process.env): AuditedKeyring {
  const audit = new AuditLog(auditLogPath(loaded.config.audit, loaded.baseDir, env));
  return new AuditedKeyring(keyring, audit, { by, clause: saltsClause(loaded.config), onError });
}
