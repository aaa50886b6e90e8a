/**
 * `gallra status --config FILE`: per store, the window it is held to, the
 * oldest record it holds, when it is swept next, and whether anything is out
 * of policy — exit 1 if so (or if the audit trail is broken), for monitoring
 * and cron.
 */
import { auditLogPath } from '../audit/config.js';
import { readAuditLog } from '../audit/log.js';
import type { AuditRecord } from '../audit/record.js';
import type { StoreFact, WindowFact } from '../audit/report.js';
import { components } from '../components.js';
import { GallraError } from '../errors.js';
import { FileKeyring } from '../keyring/file.js';
import { type LoadedPolicy, loadPolicy } from '../policy/load.js';
import type { PolicyConfig } from '../policy/schema.js';
import { errorCode, QUIET_RECORD_MS, STATUS_TOLERANCE_MS, type StoreHolding, Sweeper } from '../runtime/sweeper.js';
import { toDuration } from '../util/schema.js';
import type { CommandIo } from './anonymise.js';
import { parseCommand, shown } from './args.js';

export const STATUS_HELP = `Usage: gallra status --config FILE

Prints, for every store the policy configures (file sinks' day files,
checkpoints, salts), the window it is held to, the oldest record it holds
now, when it is swept next, and whether it is within its window; then
whether the audit trail is intact. Something held past its window for more
than two sweeps (two minutes) is out of policy.

Exit: 0 everything within policy, 1 something out of policy (or the audit
trail broken, or a store unreadable), 2 usage or config error.

Options:
  --config FILE   the policy
  -h, --help      this help
`;

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * The settings that bound how long anything is kept, with what they mean.
 *
 * @example
 * windowsInForce(loaded.config)[0] // { setting: 'retention.keep', value: 'P6M', meaning: '…' }
 */
export function windowsInForce(c: PolicyConfig): WindowFact[] {
  return [
    { setting: 'retention.keep', value: c.retention.keep, meaning: 'pseudonymised events are kept at most this long (calendar months in UTC; at most P6M), in every store gallra writes; older events are dropped on the way in' },
    { setting: 'retention.max_future', value: c.retention.max_future, meaning: 'events stamped further ahead of the clock are dropped, so nothing outlives the window by a wrong clock' },
    { setting: 'salts.epoch', value: c.salts.epoch, meaning: 'each epoch has its own salt: pseudonyms of different epochs cannot be linked to each other' },
    { setting: 'salts.grace', value: c.salts.grace, meaning: 'a salt is destroyed this long after its epoch ends; from then on its pseudonyms cannot be linked to anyone' },
    { setting: 'checkpoints', value: c.retention.keep, meaning: 'a source position not written for longer than the window is deleted' },
  ];
}

/** A store's facts for the report, from what it holds. */
export function storeFact(h: StoreHolding): StoreFact {
  return { store: h.store, kind: h.kind, clause: h.clause, cutoff: h.cutoff, oldest: h.oldest, outOfPolicy: h.outOfPolicy, error: h.error === undefined ? undefined : errorCode(h.error) };
}

/**
 * What every store of a policy holds now (salts included), read without changing anything.
 *
 * @example
 * const holdings = await holdingsOf(loaded, Date.now());
 */
export async function holdingsOf(loaded: LoadedPolicy, now: number): Promise<StoreHolding[]> {
  const c = loaded.config;
  const keyring = new FileKeyring({ dir: loaded.saltDir, period: c.salts.epoch, grace: toDuration(c.salts.grace), future: toDuration(c.retention.max_future), now: () => now });
  try {
    return await Sweeper.forPolicy(loaded, components, () => now, { by: 'gallra status', env: process.env, keyring }).holdings();
  } finally {
    keyring.close();
  }
}

/**
 * When a store is swept next, as far as the audit trail tells: every minute
 * while `gallra run` runs (it records each store at least hourly), else only
 * when someone runs `gallra retention`.
 */
export function nextSweep(store: string, records: readonly AuditRecord[], now: number): string {
  const sweeps = records.filter((r) => r.action === 'sweep');
  const run = sweeps.filter((r) => r.by === 'gallra run').pop();
  if (run !== undefined && now - Date.parse(run.time) <= QUIET_RECORD_MS + STATUS_TOLERANCE_MS) return `every minute while gallra run runs (its last record ${iso(Date.parse(run.time))})`;
  const last = sweeps.filter((r) => r.store === store).pop();
  return last === undefined ? 'none recorded: no gallra run is sweeping; run gallra retention (cron) or gallra run' : `not scheduled that gallra knows of; last ${iso(Date.parse(last.time))} by ${last.by}`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/**
 * Runs `gallra status`.
 *
 * @example
 * process.exitCode = await statusCommand(['--config', '/etc/gallra/gallra.yaml'], io);
 */
export async function statusCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('status', argv, { config: { type: 'string' } });
  if (values.help === true) {
    io.stdout.write(STATUS_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new GallraError('GALLRA_USAGE', `gallra status: unexpected argument ${shown(positionals[0])}\n  see: gallra status --help`);
  if (typeof values.config !== 'string') throw new GallraError('GALLRA_USAGE', 'gallra status: --config FILE is required\n  see: gallra status --help');
  const loaded = loadPolicy(values.config);
  const now = Date.now();
  const auditFile = auditLogPath(loaded.config.audit, loaded.baseDir, process.env);
  const { verification, records } = await readAuditLog(auditFile);
  const holdings = await holdingsOf(loaded, now);
  io.stdout.write(`gallra status at ${iso(now)}, policy ${loaded.file}\n\n`);
  const rows: string[][] = [['store', 'kind', 'window', 'oldest held', 'next sweep', 'in policy']];
  for (const h of holdings) {
    const window = h.cutoff === undefined ? h.clause : `${h.clause} (from ${iso(h.cutoff)})`;
    const oldest = h.error !== undefined ? `unreadable (${errorCode(h.error)})` : h.oldest === undefined ? 'nothing' : iso(h.oldest);
    const inPolicy = h.outOfPolicy ? (h.error !== undefined ? 'UNKNOWN' : `NO${h.overdueSince !== undefined ? ` (due ${iso(h.overdueSince)})` : ''}`) : 'yes';
    rows.push([h.store, h.kind, window, oldest, nextSweep(h.store, records, now), inPolicy]);
  }
  io.stdout.write(table(rows));
  io.stdout.write(
    `\naudit trail ${auditFile}: ${verification.ok ? `intact, ${verification.records} record${verification.records === 1 ? '' : 's'}` : `BROKEN at line ${verification.firstBad!.line}: ${verification.firstBad!.reason} (gallra audit verify)`}\n`,
  );
  const bad = holdings.filter((h) => h.outOfPolicy);
  if (bad.length === 0 && verification.ok) {
    io.stdout.write('OK: everything held is within its window\n');
    return 0;
  }
  if (bad.length > 0) io.stdout.write(`OUT OF POLICY: ${bad.map((h) => h.store).join(', ')} ${bad.length === 1 ? 'holds' : 'hold'} data past the window; run gallra retention (and check that gallra run is sweeping)\n`);
  if (!verification.ok) io.stdout.write('OUT OF POLICY: the audit trail is broken\n');
  return 1;
}
