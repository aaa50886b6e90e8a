/**
 * `gallra audit verify|report`: the audit trail of sweeps, salt destruction
 * and data-subject requests — check its hash chain, or write the summary a
 * data-protection officer files.
 */
import { auditLogPath } from '../audit/config.js';
import { readAuditLog } from '../audit/log.js';
import { buildReport, renderMarkdown } from '../audit/report.js';
import { GallraError } from '../errors.js';
import { loadPolicy } from '../policy/load.js';
import { parseDuration, subtractDuration } from '../time/duration.js';
import type { CommandIo } from './anonymise.js';
import { oneOf, parseCommand, shown } from './args.js';
import { holdingsOf, storeFact, windowsInForce } from './status.js';

export const AUDIT_HELP = `Usage: gallra audit verify [--config FILE]
       gallra audit report [--config FILE] [--since P30D] [--format md|json]

The audit trail (audit.path in the policy; default
$GALLRA_STATE_DIR/audit.jsonl) records every sweep, salt destruction,
data-subject request and refused start, hash-chained, with no personal data.

  verify   checks the chain: exit 0 intact, 1 broken (naming the first bad
           record). Prints the last record's hash: note it elsewhere, and a
           later verify that does not reach it shows records were cut off.
  report   the summary to file: windows in force, the last sweep of each
           store and the oldest data it holds now, what was removed, salts
           destroyed and requests handled in the period

Options:
  --config FILE        the policy (default: the built-in one)
  --since DURATION     report on this long back from now (default P30D)
  --format md|json     report as Markdown (default) or JSON
  -h, --help           this help
`;

/**
 * Runs `gallra audit`.
 *
 * @example
 * process.exitCode = await auditCommand(['verify', '--config', '/etc/gallra/gallra.yaml'], io);
 */
export async function auditCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('audit', argv, { config: { type: 'string' }, since: { type: 'string' }, format: { type: 'string' } });
  if (values.help === true) {
    io.stdout.write(AUDIT_HELP);
    return 0;
  }
  const action = positionals[0];
  if (positionals.length !== 1 || (action !== 'verify' && action !== 'report')) throw new GallraError('GALLRA_USAGE', 'gallra audit: say verify or report\n  see: gallra audit --help');
  if (action === 'verify' && (values.since !== undefined || values.format !== undefined)) throw new GallraError('GALLRA_USAGE', 'gallra audit: --since and --format go with report only');
  const format = oneOf('audit', '--format', values.format, ['md', 'json'] as const) ?? 'md';
  const since = parseDuration(typeof values.since === 'string' ? values.since : 'P30D');
  if (since === undefined) throw new GallraError('GALLRA_USAGE', `gallra audit: --since must be an ISO 8601 duration such as P30D or P6M, not ${shown(values.since)}`);
  const loaded = loadPolicy(values.config as string | undefined);
  const file = auditLogPath(loaded.config.audit, loaded.baseDir, process.env);
  const { verification, records } = await readAuditLog(file);
  if (action === 'verify') {
    if (verification.ok) {
      const head = verification.head;
      io.stdout.write(`audit log ${file}: intact, ${verification.records} record${verification.records === 1 ? '' : 's'}${head === undefined ? '' : `; last #${head.seq} ${head.hash}`}\n`);
      return 0;
    }
    const b = verification.firstBad!;
    io.stdout.write(`audit log ${file}: BROKEN at line ${b.line}${b.seq === undefined ? '' : ` (record #${b.seq})`}: ${b.reason}\n`);
    if (verification.head !== undefined) io.stdout.write(`  the records before it are intact, the last of them #${verification.head.seq} ${verification.head.hash}\n`);
    return 1;
  }
  const now = Date.now();
  const report = buildReport(records, {
    now,
    since: subtractDuration(now, since),
    period: since.text,
    policy: loaded.file ?? 'built-in defaults',
    auditLog: file,
    verification,
    windows: windowsInForce(loaded.config),
    stores: (await holdingsOf(loaded, now)).map(storeFact),
  });
  io.stdout.write(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderMarkdown(report));
  return 0;
}
