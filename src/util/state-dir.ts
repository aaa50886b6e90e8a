/**
 * Where gallra keeps its own state (salts, checkpoints) when a config does
 * not say.
 */
import os from 'node:os';
import path from 'node:path';

/**
 * $GALLRA_STATE_DIR, else the XDG state directory (`~/.local/state/gallra`).
 *
 * @example
 * resolveStateDir(process.env) // '/var/lib/gallra' under systemd's StateDirectory=
 */
export function resolveStateDir(env: NodeJS.ProcessEnv): string {
  if (env.GALLRA_STATE_DIR) return path.resolve(env.GALLRA_STATE_DIR);
  const base = env.XDG_STATE_HOME ? path.resolve(env.XDG_STATE_HOME) : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'gallra');
}
