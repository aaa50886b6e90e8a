/**
 * `gallra salts list|rotate|destroy`: keyring housekeeping for operators and
 * cron/systemd timers. Never prints salt bytes — only epochs, states and files.
 */
import fsp from 'node:fs/promises';
import { GallraError } from '../errors.js';
import { FileKeyring } from '../keyring/file.js';
import type { SaltFileInfo } from '../keyring/keyring.js';
import { loadPolicy } from '../policy/load.js';
import { withSaltAudit } from '../runtime/salt-store.js';
import { toDuration } from '../util/schema.js';
import { parseCommand } from './args.js';
import type { CommandIo } from './anonymise.js';

export const SALTS_HELP = `Usage: gallra salts list|rotate|destroy [--config FILE] [--all]

Keyring housekeeping. Salts live in the policy's salts.dir (0700, files 0600),
one per epoch; a salt is destroyed (overwritten, then unlinked) once its epoch
has ended and the grace period has passed, after which that epoch's
pseudonyms cannot be linked to anyone. gallra never prints a salt.

  list      show salt files: epoch, state (open/closed), closes at, mode
  rotate    create the current epoch's salt if missing; destroy closed ones
  destroy   destroy salts of closed epochs now
            --all: destroy every salt, including the current one (emergency:
            pseudonyms issued so far can no longer be linked to new ones;
            running gallra processes keep theirs until they restart)

Options:
  --config FILE   policy file (for salts.dir, epoch and grace)
  --all           with destroy: every salt
  --log-level L   fatal | error | warn (default) | info | debug | silent
  -h, --help      this help
`;

async function dirModeOf(dir: string): Promise<number | undefined> {
  try {
    return (await fsp.stat(dir)).mode & 0o777;
  } catch {
    return undefined;
  }
}

const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

function row(s: SaltFileInfo): string {
  const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
  return `${s.period.padEnd(5)} ${iso(s.start)}  ${s.state.padEnd(6)}  closes ${iso(s.closesAt)}  ${s.mode === undefined ? '' : `mode ${octal(s.mode)}  `}${s.path}`;
}

/**
 * Runs `gallra salts`.
 *
 * @example
 * await saltsCommand(['rotate', '--config', 'config/sidecar-nginx.yaml'], io)
 */
export async function saltsCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('salts', argv, { config: { type: 'string' }, all: { type: 'boolean' } });
  if (values.help === true) {
    io.stdout.write(SALTS_HELP);
    return 0;
  }
  const action = positionals[0];
  if (positionals.length !== 1 || (action !== 'list' && action !== 'rotate' && action !== 'destroy')) {
    throw new GallraError('GALLRA_USAGE', 'gallra salts: say list, rotate or destroy\n  see: gallra salts --help');
  }
  if (values.all === true && action !== 'destroy') throw new GallraError('GALLRA_USAGE', 'gallra salts: --all goes with destroy only');
  const loaded = loadPolicy(values.config as string | undefined);
  const c = loaded.config;
  const fileKeyring = new FileKeyring({ dir: loaded.saltDir, period: c.salts.epoch, grace: toDuration(c.salts.grace), future: toDuration(c.retention.max_future) });
  // What rotate and destroy destroy goes into the audit trail.
  const keyring = withSaltAudit(fileKeyring, loaded, `gallra salts ${action}`, (err) => io.logger.error({ err }, 'audit record not written'));
  try {
    switch (action) {
      case 'list': {
        const files = await keyring.list();
        io.stdout.write(`salts in ${fileKeyring.dir}: ${files.length === 0 ? 'none' : files.length}\n`);
        for (const s of files) {
          io.stdout.write(`${row(s)}\n`);
          // anonymise and run refuse to use such a file; say so here, where the operator looks.
          if (s.mode !== undefined && (s.mode & 0o077) !== 0) io.stdout.write(`  WARNING: mode ${octal(s.mode)} lets others read it; gallra will refuse it. Fix: chmod 600 ${s.path}\n`);
        }
        const dirMode = await dirModeOf(fileKeyring.dir);
        if (dirMode !== undefined && (dirMode & 0o077) !== 0) {
          io.stdout.write(`WARNING: ${fileKeyring.dir} has mode ${octal(dirMode)}; gallra will refuse it. Fix: chmod 700 ${fileKeyring.dir}\n`);
        }
        return 0;
      }
      case 'rotate': {
        const r = await keyring.rotate();
        io.stdout.write(r.created !== undefined ? `created ${row(r.created)}\n` : 'current epoch salt already present\n');
        for (const s of r.destroyed) io.stdout.write(`destroyed ${row(s)}\n`);
        return 0;
      }
      case 'destroy': {
        const destroyed = await (values.all === true ? keyring.destroyAll() : keyring.destroyClosed());
        io.stdout.write(`destroyed ${destroyed.length} salt${destroyed.length === 1 ? '' : 's'}\n`);
        for (const s of destroyed) io.stdout.write(`destroyed ${row(s)}\n`);
        return 0;
      }
    }
  } finally {
    keyring.close();
  }
}
