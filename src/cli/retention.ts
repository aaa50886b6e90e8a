/**
 * `gallra retention --config FILE [--dry-run] [--allow-longer-retention]`:
 * enforces the retention window on everything gallra has stored, now — the
 * day files of every file sink (whole days deleted, the day the window
 * starts in rewritten without its expired lines), the checkpoints, and the
 * salts of closed epochs — and records it in the audit trail. `gallra run`
 * does the same by itself once a minute; this is for cron jobs, audits and
 * after downtime.
 */
import { auditLogPath } from '../audit/config.js';
import { AuditLog } from '../audit/log.js';
import { components } from '../components.js';
import { GallraError } from '../errors.js';
import { FileKeyring } from '../keyring/file.js';
import { loadPolicy } from '../policy/load.js';
import type { Removal } from '../retention/retainable.js';
import { retentionCutoff } from '../retention/window.js';
import { refuseLongerRetention, type StoreSweep, Sweeper } from '../runtime/sweeper.js';
import { toDuration } from '../util/schema.js';
import type { CommandIo } from './anonymise.js';
import { parseCommand, shown } from './args.js';

export const RETENTION_HELP = `Usage: gallra retention --config FILE [--dry-run] [--allow-longer-retention]

Enforces the retention window (retention.keep, at most six months) now, on
every store of the policy, and records what went in the audit trail:
  file sinks    day files of days wholly before the window are deleted; the
                day the window starts in is rewritten without its expired
                lines (.log and .log.gz alike)
  checkpoints   not written for longer than the window: deleted
  salts         of closed epochs (salts.epoch + salts.grace): destroyed, so
                their pseudonyms can no longer be linked to anyone
A running gallra run does this every minute by itself; a day file it is
writing is left to it.

Options:
  --config FILE              the policy
  --dry-run                  print what would be removed; remove and record nothing
  --allow-longer-retention   go on even when a store keeps data longer than the
                             window (a Kafka topic's retention.ms); recorded
  --log-level L              fatal | error | warn (default) | info | debug | silent
  -h, --help                 this help

Exit: 0 done, 1 a store could not be swept, 2 usage, config, or a store that
keeps data longer than the window.
`;

function describeRemoval(r: Removal, dryRun: boolean): string {
  switch (r.what) {
    case 'lines':
      return `${dryRun ? 'would rewrite' : 'rewrote'} ${r.name} without ${r.count ?? 1} expired line${r.count === 1 ? '' : 's'}`;
    case 'salt':
      return `${dryRun ? 'would destroy' : 'destroyed'} salt ${r.name}`;
    case 'rows':
    case 'records':
      return `${dryRun ? 'would delete' : 'deleted'} ${r.count ?? 1} ${r.what} of ${r.name}`;
    default:
      return `${dryRun ? 'would delete' : 'deleted'} ${r.name}`;
  }
}

/**
 * Prints what a sweep did, store by store; returns how many things went and whether a store failed.
 *
 * @example
 * const { failed } = printSweep(await sweeper.sweep(false), false, io.stdout);
 */
export function printSweep(results: readonly StoreSweep[], dryRun: boolean, out: NodeJS.WritableStream): { removed: number; failed: boolean } {
  let removed = 0;
  let failed = false;
  for (const r of results) {
    for (const x of r.removed) {
      out.write(`${r.store}: ${describeRemoval(x, dryRun)}\n`);
      removed += x.what === 'lines' ? 1 : (x.count ?? 1);
    }
    for (const d of r.deferred) out.write(`${r.store}: deferred: ${d}\n`);
    if (r.error !== undefined) {
      failed = true;
      const code = (r.error as { code?: unknown }).code;
      out.write(`${r.store}: FAILED (${code === undefined ? 'error' : String(code)}); the other stores were swept\n`);
    }
  }
  return { removed, failed };
}

/**
 * Runs `gallra retention`.
 *
 * @example
 * await retentionCommand(['--config', 'config/sidecar-nginx.yaml', '--dry-run'], io)
 */
export async function retentionCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('retention', argv, { config: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'allow-longer-retention': { type: 'boolean' } });
  if (values.help === true) {
    io.stdout.write(RETENTION_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new GallraError('GALLRA_USAGE', `gallra retention: unexpected argument ${shown(positionals[0])}\n  see: gallra retention --help`);
  if (typeof values.config !== 'string') throw new GallraError('GALLRA_USAGE', 'gallra retention: --config FILE is required\n  see: gallra retention --help');
  const dryRun = values['dry-run'] === true;
  const env = process.env;
  const loaded = loadPolicy(values.config, env);
  const c = loaded.config;
  const now = Date.now();
  const audit = new AuditLog(auditLogPath(c.audit, loaded.baseDir, env), { now: () => now });
  const onAuditError = (err: unknown): void => io.logger.error({ err }, 'audit record not written');
  const keyring = new FileKeyring({ dir: loaded.saltDir, period: c.salts.epoch, grace: toDuration(c.salts.grace), future: toDuration(c.retention.max_future), now: () => now });
  try {
    const sweeper = Sweeper.forPolicy(loaded, components, () => now, { audit: dryRun ? undefined : audit, by: 'gallra retention', onAuditError, env, keyring });
    const allowed = await refuseLongerRetention(sweeper, loaded, { allow: values['allow-longer-retention'] === true, audit, by: 'gallra retention', onAuditError });
    for (const a of allowed) io.stdout.write(`WARNING: ${a} (allowed by --allow-longer-retention; recorded)\n`);
    const cutoff = retentionCutoff(now, { keep: toDuration(c.retention.keep) });
    io.stdout.write(`window: retention.keep ${c.retention.keep}; everything from before ${new Date(cutoff).toISOString()} goes${dryRun ? ' (dry run)' : ''}\n`);
    const { removed, failed } = printSweep(await sweeper.sweep(dryRun), dryRun, io.stdout);
    io.stdout.write(`${removed} ${dryRun ? 'to remove' : 'removed'}\n`);
    if (!dryRun) io.stdout.write(`recorded in the audit trail ${audit.path}\n`);
    return failed ? 1 : 0;
  } finally {
    keyring.close();
  }
}
