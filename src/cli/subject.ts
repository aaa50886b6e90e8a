/**
 * `gallra subject export|erase --config FILE --user ID [--email E]
 * [--ip ADDR --user-agent UA]`: data-subject access, portability and
 * erasure within the pseudonymised tier (subject/request.ts). The
 * identifiers are used in memory only: never printed, logged or recorded.
 */
import { auditLogPath } from '../audit/config.js';
import { AuditLog } from '../audit/log.js';
import { GallraError } from '../errors.js';
import { FileKeyring } from '../keyring/file.js';
import { loadPolicy } from '../policy/load.js';
import { withSaltAudit } from '../runtime/salt-store.js';
import { subjectRequest, type SubjectResult } from '../subject/request.js';
import { toDuration } from '../util/schema.js';
import type { CommandIo } from './anonymise.js';
import { parseCommand, shown } from './args.js';

export const SUBJECT_HELP = `Usage: gallra subject export --config FILE --user ID [--email E] [--ip ADDR --user-agent UA]
       gallra subject erase  --config FILE --user ID [--email E] [--ip ADDR --user-agent UA]

Data-subject requests in the pseudonymised tier. gallra computes the
person's pseudonyms (and, given the full address and user agent, their
visitor ids) under the salt of every epoch whose salt still exists, finds
their events in the policy's file sinks, and

  export   writes them to stdout as JSON lines, one object per event with its
           fields as stored (access, portability); the summary goes to stderr
  erase    rewrites the files without them, atomically (erasure); a running
           gallra run must be stopped first (its sources resume from their
           checkpoints), the summary goes to stdout

Either way it says which stored days are already unlinkable — their salts
were destroyed when their epochs closed, so nobody can find this person's
events there any more — what the other sinks and the aggregates hold, and
records the request in the audit trail under a random id, without the
identifiers. Give at least one of --user, --email, or --ip with --user-agent.

Options:
  --config FILE        the policy
  --user ID            a user or account id, a login name
  --email E            an e-mail address (also tried where users log in with one)
  --ip ADDR            the full client address, as the server logged it
  --user-agent UA      the user agent, exactly as the server logged it
  -h, --help           this help
`;

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * The plain-language summary of a request.
 *
 * @example
 * io.stderr.write(summary(result, 'export'));
 */
export function summary(r: SubjectResult, action: 'export' | 'erase', kinds: readonly string[], auditPath: string): string {
  const out: string[] = [];
  out.push(`request ${r.id} (${action}); identifiers given: ${kinds.join(', ')} — used in memory only, not recorded`);
  if (r.linkable.length === 0) out.push('linkable epochs: none — no salt exists any more, so none of the stored events can be linked to this person');
  else out.push(`linkable epochs (their salt still exists): ${r.linkable.map((e) => `${day(e.start)}${e.end - e.start === 86_400_000 ? '' : `..${iso(e.end)}`} (its salt is destroyed at ${iso(e.salt.closesAt)})`).join(', ')}`);
  const u = r.unlinkableDays;
  if (r.plainFields.length > 0) {
    out.push(
      `WARNING: the policy keeps ${r.plainFields.join(', ')} as ${r.plainFields.length === 1 ? 'it is' : 'they are'} (transform keep): such a field names the person in every stored day, so every day was searched for it${u.count > 0 ? `; only their pseudonyms are unlinkable on the ${u.count} day${u.count === 1 ? '' : 's'} whose salts are gone` : ''}. Pseudonymise it (fields.<name>: pseudonymise) to keep the tiers apart`,
    );
  } else if (u.count > 0) {
    out.push(
      `already unlinkable: events stored for ${u.count === 1 ? `1 day (${day(u.first!)})` : `${u.count} days (${day(u.first!)} to ${day(u.last!)})`} — the salts of their epochs were destroyed when the epochs closed, so nobody, gallra included, can tell which of those events are this person's; they are deleted by retention when they leave the window`,
    );
  }
  for (const s of r.stores) {
    const verb = action === 'erase' ? `${s.erased ?? 0} erased` : 'exported';
    out.push(`${s.store}: ${s.found} event${s.found === 1 ? '' : 's'} found${s.found > 0 ? `, ${verb}` : ''}${s.files.length > 0 ? ` (${s.files.join(', ')})` : ''}`);
  }
  if (r.unreadable > 0) out.push(`${r.unreadable} stored line${r.unreadable === 1 ? '' : 's'} in linkable days could not be read as any of the policy's formats (scrubbed free text): they hold no pseudonym`);
  for (const n of r.notes) out.push(n);
  out.push(`recorded in the audit trail ${auditPath} as request ${r.id}`);
  return `${out.join('\n')}\n`;
}

/**
 * Runs `gallra subject`.
 *
 * @example
 * await subjectCommand(['export', '--config', 'gallra.yaml', '--user', 'alice'], io)
 */
export async function subjectCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('subject', argv, {
    config: { type: 'string' },
    user: { type: 'string' },
    email: { type: 'string' },
    ip: { type: 'string' },
    'user-agent': { type: 'string' },
  });
  if (values.help === true) {
    io.stdout.write(SUBJECT_HELP);
    return 0;
  }
  const action = positionals[0];
  if (positionals.length !== 1 || (action !== 'export' && action !== 'erase')) {
    throw new GallraError('GALLRA_USAGE', `gallra subject: say export or erase${positionals.length > 1 ? ` (unexpected ${shown(positionals[1])})` : ''}\n  see: gallra subject --help`);
  }
  if (typeof values.config !== 'string') throw new GallraError('GALLRA_USAGE', 'gallra subject: --config FILE is required\n  see: gallra subject --help');
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const ids = { user: str(values.user), email: str(values.email), ip: str(values.ip), userAgent: str(values['user-agent']) };
  if ((ids.ip === undefined) !== (ids.userAgent === undefined)) {
    throw new GallraError('GALLRA_USAGE', 'gallra subject: --ip and --user-agent go together (a visitor id is made of both)\n  see: gallra subject --help');
  }
  if (ids.user === undefined && ids.email === undefined && ids.ip === undefined) {
    throw new GallraError('GALLRA_USAGE', 'gallra subject: give --user, --email, or --ip with --user-agent\n  see: gallra subject --help');
  }
  const env = process.env;
  const loaded = loadPolicy(values.config, env);
  const c = loaded.config;
  const now = Date.now();
  const by = `gallra subject ${action}`;
  const audit = new AuditLog(auditLogPath(c.audit, loaded.baseDir, env));
  const onAuditError = (err: unknown): void => io.logger.error({ err }, 'audit record not written');
  const keyring = withSaltAudit(
    new FileKeyring({ dir: loaded.saltDir, period: c.salts.epoch, grace: toDuration(c.salts.grace), future: toDuration(c.retention.max_future), now: () => now }),
    loaded,
    by,
    onAuditError,
    env,
  );
  try {
    const result = await subjectRequest(loaded, {
      action,
      ids,
      keyring,
      now,
      audit,
      by,
      onEvent: action === 'export' ? (e) => io.stdout.write(`${JSON.stringify(e)}\n`) : undefined,
    });
    const kinds = [ids.user !== undefined ? 'user' : '', ids.email !== undefined ? 'email' : '', ids.ip !== undefined ? 'ip+user_agent' : ''].filter((k) => k !== '');
    (action === 'export' ? io.stderr : io.stdout).write(summary(result, action, kinds, audit.path));
    return 0;
  } finally {
    keyring.close();
  }
}
