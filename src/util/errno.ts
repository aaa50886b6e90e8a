/**
 * The errno name (`ENOENT`, `EEXIST`, …) of a Node system error, or
 * undefined for anything else: one place that knows where Node keeps it.
 *
 * @example
 * try { await fsp.unlink(path); } catch (err) { if (errnoOf(err) !== 'ENOENT') throw err; }
 */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
