/**
 * `gallra retention --config FILE [--dry-run]`: enforces the retention
 * window on everything gallra has stored, now — the daily files of every
 * file sink and the salts of closed epochs. `gallra run` does the same by
 * itself once a minute; this is for cron jobs, audits and after downtime.
 */
import { GallraError } from '../errors.js';
import { FileKeyring } from '../keyring/file.js';
import { loadPolicy } from '../policy/load.js';
import { toDuration } from '../util/schema.js';
import { retentionWindowFromConfig } from '../retention/config.js';
import { retentionCutoff } from '../retention/window.js';
import { components } from '../components.js';
import { Sweeper } from '../runtime/sweeper.js';
import { parseCommand } from './args.js';
import type { CommandIo } from './anonymise.js';

export const RETENTION_HELP = `Usage: gallra retention --config FILE [--dry-run]

Enforces the retention window now: deletes every daily file of the policy's
file sinks (plain or gzipped) whose day began before the window (at most six
months), and destroys the salts of closed epochs. Prints what it removed.

Options:
  --config FILE   the policy (sinks: and salts: are read from it)
  --dry-run       print what would be removed, remove nothing
  --log-level L   fatal | error | warn (default) | info | debug | silent
  -h, --help      this help
`;

/**
 * Runs `gallra retention`.
 *
 * @example
 * await retentionCommand(['--config', 'config/sidecar-nginx.yaml', '--dry-run'], io)
 */
export async function retentionCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand('retention', argv, { config: { type: 'string' }, 'dry-run': { type: 'boolean' } });
  if (values.help === true) {
    io.stdout.write(RETENTION_HELP);
    return 0;
  }
  if (typeof values.config !== 'string') throw new GallraError('GALLRA_USAGE', 'gallra retention: --config FILE is required\n  see: gallra retention --help');
  const dryRun = values['dry-run'] === true;
  const loaded = loadPolicy(values.config);
  const c = loaded.config;
  const window = retentionWindowFromConfig(c.retention);
  const now = Date.now();
  io.stdout.write(`window: ${c.retention.keep}; everything from before ${new Date(retentionCutoff(now, window)).toISOString()} goes${dryRun ? ' (dry run)' : ''}\n`);
  let removed = 0;
  for (const result of await Sweeper.forPolicy(loaded, components, () => now).sweep(dryRun)) {
    for (const file of result.removed) {
      io.stdout.write(`${dryRun ? 'would delete' : 'deleted'} ${file}\n`);
      removed++;
    }
  }
  const keyring = new FileKeyring({ dir: loaded.saltDir, period: c.salts.epoch, grace: toDuration(c.salts.grace) });
  try {
    const closed = dryRun ? keyring.list().filter((s) => s.state === 'closed') : keyring.destroyClosed();
    for (const s of closed) io.stdout.write(`${dryRun ? 'would destroy' : 'destroyed'} salt ${s.path}\n`);
    removed += closed.length;
  } finally {
    keyring.close();
  }
  io.stdout.write(`${removed} ${dryRun ? 'to remove' : 'removed'}\n`);
  return 0;
}
