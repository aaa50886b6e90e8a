/** The `audit:` section of a policy, beside the audit log it configures. */
import path from 'node:path';
import { z } from 'zod';
import { resolveStateDir } from '../util/state-dir.js';

export const auditConfigSchema = z.strictObject({
  /**
   * The audit log (JSON lines, hash-chained, no personal data); relative
   * paths are taken from the config file's directory. Default:
   * `$GALLRA_STATE_DIR/audit.jsonl`.
   */
  path: z.string().min(1).optional(),
});
export type AuditConfig = z.infer<typeof auditConfigSchema>;

/**
 * Where a policy's audit log is: `audit.path` (relative to the policy file),
 * else `audit.jsonl` in the state directory.
 *
 * @example
 * auditLogPath(config.audit, loaded.baseDir, process.env) // '/var/lib/gallra/audit.jsonl'
 */
export function auditLogPath(config: AuditConfig | undefined, baseDir: string, env: NodeJS.ProcessEnv): string {
  if (config?.path !== undefined) return path.resolve(baseDir, config.path);
  return path.join(resolveStateDir(env), 'audit.jsonl');
}
