/**
 * Real logrotate for the rotation tests: a generated config in the test's
 * own directory, its own state file, forced rotations (`logrotate -f`), so
 * the files gallra finds are named, compressed and truncated exactly as
 * logrotate does it (numbered or dated, gzip, delaycompress, copytruncate).
 *
 * CI installs the Debian package (.ci/run); where it is missing
 * {@link LOGROTATE_MISSING} says why and the tests skip with that message.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function findLogrotate(): string | undefined {
  for (const candidate of ['logrotate', '/usr/sbin/logrotate', '/sbin/logrotate']) {
    const r = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (r.error === undefined && r.status === 0) return candidate;
  }
  return undefined;
}

/** The logrotate binary, or undefined when none is installed. */
export const LOGROTATE = findLogrotate();

/** Why the logrotate tests cannot run here, or undefined when they can. */
export const LOGROTATE_MISSING = LOGROTATE === undefined ? 'logrotate is not installed (not on PATH nor in /usr/sbin): skipping the real-logrotate tests. CI installs it (.ci/run); locally: apt-get install --no-install-recommends logrotate' : undefined;

export interface Logrotate {
  /** `logrotate -f -s <state> <config>`: rotates now; throws with logrotate's output when it fails. */
  rotate(): void;
  readonly config: string;
}

/**
 * Writes a logrotate config for `log` with the given directives (one per
 * line, e.g. `['create', 'compress', 'delaycompress']`) in `dir`.
 *
 * @example
 * const lr = logrotateFor(dir, join(dir, 'access.log'), ['rotate 5', 'compress']);
 * lr.rotate();
 */
export function logrotateFor(dir: string, log: string, directives: readonly string[]): Logrotate {
  if (LOGROTATE === undefined) throw new Error(LOGROTATE_MISSING);
  const config = join(dir, 'logrotate.conf');
  const state = join(dir, 'logrotate.state');
  // logrotate refuses configs writable by group or others.
  writeFileSync(config, `${log} {\n${directives.map((d) => `  ${d}\n`).join('')}}\n`, { mode: 0o644 });
  return {
    config,
    rotate() {
      const r = spawnSync(LOGROTATE, ['-f', '-s', state, config], { encoding: 'utf8', timeout: 30_000 });
      if (r.status !== 0) throw new Error(`logrotate -f failed (${r.status}): ${r.stdout}${r.stderr}`);
    },
  };
}
