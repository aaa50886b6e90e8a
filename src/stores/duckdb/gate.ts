/**
 * The gate every analyst's SQL passes before DuckDB runs it. Two locks, both
 * required: this gate (one read-only statement over the aggregate tables,
 * decided by DuckDB's own parser, never by regexes) and the engine's
 * lock-down (no file but the store's own, configuration locked).
 *
 * Why both. The lock-down alone still lets a statement *write* inside the
 * allowed directory (`COPY … TO`, `ATTACH 'new.duckdb'`, `SELECT * FROM
 * enable_logging(storage='file', …)`), and a refused write leaves DuckDB
 * broken. The statement type alone is not enough either: `checkpoint()`,
 * `query('…')` and `enable_logging(…)` are SELECTs. So, in this order (binding
 * `EXPORT DATABASE` already creates its directory, so the syntax tree is
 * checked before anything is prepared):
 *
 * 1. `json_serialize_sql` (the statically linked json extension) must
 *    serialise it — it serialises SELECTs only — as exactly one statement;
 * 2. walking that tree finds only allowed table functions, no denied scalar
 *    function, and no table but the aggregate tables and the query's own CTEs
 *    (a file path in FROM is a "replacement scan": refused here);
 * 3. `extractStatements` counts exactly one statement, and the statement
 *    prepared from it has type SELECT — and that prepared statement is the
 *    one that runs: no gap between check and run.
 */
import { type DuckDBConnection, type DuckDBPreparedStatement, StatementType } from '@duckdb/node-api';
import { GallraError } from '../../errors.js';

/** Table functions a query may call: generators over values, never files. */
const TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest']);
/** Scalar functions with side effects or that read the configuration. */
const SCALAR_FUNCTIONS_DENIED = new Set(['setseed', 'nextval', 'currval', 'getvariable', 'current_setting', 'read_text', 'read_blob']);
/** Longest query text accepted. */
const MAX_SQL = 100_000;

function refused(why: string): GallraError {
  return new GallraError('GALLRA_QUERY_REFUSED', `query refused: ${why}; only one read-only SELECT (WITH, DESCRIBE, SHOW) over ${'aggregates, aggregates_day, aggregates_month'} is allowed`);
}

interface Found {
  readonly tableFunctions: Set<string>;
  readonly scalars: Set<string>;
  readonly tables: { catalog: string; schema: string; name: string }[];
  readonly ctes: Set<string>;
}

function walk(node: unknown, found: Found, depth = 0): void {
  if (depth > 2000) throw refused('the query is nested too deeply');
  if (Array.isArray(node)) {
    for (const n of node) walk(n, found, depth + 1);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'TABLE_FUNCTION' && typeof o.function === 'object' && o.function !== null) {
    found.tableFunctions.add(String((o.function as Record<string, unknown>).function_name).toLowerCase());
  }
  if (o.class === 'FUNCTION' && typeof o.function_name === 'string') found.scalars.add(o.function_name.toLowerCase());
  if (o.type === 'BASE_TABLE') {
    found.tables.push({ catalog: String(o.catalog_name ?? ''), schema: String(o.schema_name ?? ''), name: String(o.table_name ?? '') });
  }
  if (typeof o.cte_map === 'object' && o.cte_map !== null) {
    for (const e of ((o.cte_map as Record<string, unknown>).map as { key?: unknown }[] | undefined) ?? []) if (typeof e.key === 'string') found.ctes.add(e.key.toLowerCase());
  }
  for (const v of Object.values(o)) walk(v, found, depth + 1);
}

/**
 * Prepares `sql` if it is exactly one read-only query over `tables`; throws
 * GALLRA_QUERY_REFUSED otherwise. The caller runs (and destroys) the
 * returned statement.
 *
 * @example
 * const ps = await prepareReadOnly(conn, 'SELECT count(*) FROM aggregates', ['aggregates']);
 * try { await ps.runAndReadAll(); } finally { ps.destroySync(); }
 */
export async function prepareReadOnly(conn: DuckDBConnection, sql: string, tables: readonly string[]): Promise<DuckDBPreparedStatement> {
  if (typeof sql !== 'string' || sql.replace(/[\s;]+/g, '') === '') throw refused('the query is empty');
  if (sql.length > MAX_SQL) throw refused(`the query is longer than ${MAX_SQL} characters`);
  if (sql.includes('\0')) throw refused('the query holds a NUL character');
  // 1. The syntax tree: SELECT only, one statement.
  const serialised = (await conn.runAndReadAll('SELECT json_serialize_sql(CAST($1 AS VARCHAR))', [sql])).getRows()[0]?.[0];
  const ast = JSON.parse(String(serialised)) as { error?: boolean; error_type?: string; error_message?: string; statements?: unknown[] };
  if (ast.error === true) {
    const msg = String(ast.error_message ?? '');
    throw /Only SELECT statements/i.test(msg) ? refused('it is not a SELECT') : new GallraError('GALLRA_QUERY_FAILED', `query failed: ${ast.error_type ?? 'error'}: ${msg.split('\n')[0]}`);
  }
  if (ast.statements?.length !== 1) throw refused(`it holds ${ast.statements?.length ?? 0} statements`);
  // 2. What it reads.
  const found: Found = { tableFunctions: new Set(), scalars: new Set(), tables: [], ctes: new Set() };
  walk(ast.statements, found);
  for (const f of found.tableFunctions) if (!TABLE_FUNCTIONS.has(f)) throw refused(`table function ${f}() is not allowed`);
  for (const f of found.scalars) if (SCALAR_FUNCTIONS_DENIED.has(f)) throw refused(`function ${f}() is not allowed`);
  const allowed = new Set(tables.map((t) => t.toLowerCase()));
  for (const t of found.tables) {
    const name = t.name.toLowerCase();
    const qualified = t.catalog !== '' || (t.schema !== '' && t.schema.toLowerCase() !== 'main');
    if (qualified || !(allowed.has(name) || found.ctes.has(name))) throw refused(`it reads ${JSON.stringify(t.name.slice(0, 64))}, which is not an aggregate table`);
  }
  // 3. DuckDB's own statement type, on the statement that will run.
  let ex;
  try {
    ex = await conn.extractStatements(sql);
  } catch (err) {
    throw new GallraError('GALLRA_QUERY_FAILED', `query failed: ${firstLine(err)}`, { cause: err });
  }
  if (ex.count !== 1) throw refused(`it holds ${ex.count} statements`);
  let ps: DuckDBPreparedStatement;
  try {
    ps = await ex.prepare(0);
  } catch (err) {
    throw new GallraError('GALLRA_QUERY_FAILED', `query failed: ${firstLine(err)}`, { cause: err });
  }
  if (ps.statementType !== StatementType.SELECT) {
    ps.destroySync();
    throw refused(`its statement type is ${StatementType[ps.statementType] ?? String(ps.statementType)}`);
  }
  return ps;
}

/** The first line of a DuckDB error, without the process id and paths a lock message names. */
export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.replace(/ \(PID \d+\)/g, '').slice(0, 300);
}
