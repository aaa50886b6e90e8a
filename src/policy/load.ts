/**
 * Loads a policy: the built-in defaults (config/default.yaml) with the
 * operator's file merged over them, validated in full at start. Every problem
 * is reported at once with file, line, column, field path and a fix, and
 * gallra exits 2 — a policy is never half-applied.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { GallraError } from '../errors.js';
import { type CheckableSections, checkPolicy, type PolicyProblem } from './check.js';
import { expandEnvReferences, pathKey } from './env.js';
import { type PolicyConfig, policySchema } from './schema.js';
import { resolveStateDir } from '../util/state-dir.js';
import { suggest } from '../util/suggest.js';

/** Where the built-in defaults live, relative to this module in src/ and in dist/. */
export const DEFAULT_POLICY_FILE = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

export interface LoadedPolicy {
  readonly config: PolicyConfig;
  /** The operator's file, or undefined for the built-in defaults alone. */
  readonly file: string | undefined;
  /** Directory relative paths in the policy are resolved against. */
  readonly baseDir: string;
  /** The salt directory, resolved. */
  readonly saltDir: string;
}

type Path = readonly (string | number)[];

/**
 * Reads, merges and validates a policy; throws GallraError (exit code 2)
 * listing every problem found.
 *
 * @example
 * const { config } = loadPolicy('config/sidecar-nginx.yaml');
 */
export function loadPolicy(file?: string, env: NodeJS.ProcessEnv = process.env): LoadedPolicy {
  const defaults = readYaml(DEFAULT_POLICY_FILE).doc.toJS() as Record<string, unknown>;
  let user: Record<string, unknown> = {};
  let source: ParsedYaml | undefined;
  if (file !== undefined) {
    source = readYaml(file);
    const js: unknown = source.doc.toJS();
    if (js !== null && js !== undefined) {
      if (typeof js !== 'object' || Array.isArray(js)) {
        throw new GallraError('GALLRA_CONFIG_INVALID', `${file}:1:1: the policy must be a mapping of sections (input:, fields:, formats:, …), not a ${Array.isArray(js) ? 'list' : typeof js}`);
      }
      user = js as Record<string, unknown>;
    }
  }
  const expanded = expandEnvReferences(user, env);
  if (expanded.problems.length > 0) throw configError(file ?? DEFAULT_POLICY_FILE, source, expanded.problems);
  user = expanded.value as Record<string, unknown>;
  const merged = mergePolicy(defaults, user);
  const parsed = policySchema.safeParse(merged, { reportInput: true });
  const label = file ?? DEFAULT_POLICY_FILE;
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((i) => problemsFromIssue(i));
    // The sections that are valid on their own are checked too, so one run lists every problem.
    const more = checkPolicy(validSections(merged)).filter((p) => !problems.some((q) => sameStart(p.path, q.path)));
    throw configError(label, source, [...problems, ...more].map((p) => hideEnvValue(p, expanded.fromEnv)));
  }
  // The schema is assembled from the registry, so its inferred type is looser than what it guarantees.
  const config = parsed.data as unknown as PolicyConfig;
  const problems = checkPolicy(config);
  if (problems.length > 0) throw configError(label, source, problems.map((p) => hideEnvValue(p, expanded.fromEnv)));
  const baseDir = file === undefined ? process.cwd() : path.dirname(path.resolve(file));
  return { config, file, baseDir, saltDir: resolveSaltDir(config, baseDir, env) };
}

/** A problem with a value that came from the environment names the reference, never the value (it may be a secret). */
function hideEnvValue(p: PolicyProblem, fromEnv: ReadonlyMap<string, string>): PolicyProblem {
  const written = fromEnv.get(pathKey(p.path));
  return written === undefined ? p : { ...p, message: `the value of ${written} is not valid here` };
}

/** Each section checkPolicy reads, where that section is schema-valid by itself. */
function validSections(merged: Record<string, unknown>): CheckableSections {
  const shape = policySchema.shape;
  const one = <K extends keyof CheckableSections>(key: K): CheckableSections[K] => {
    const r = shape[key].safeParse(merged[key]);
    return r.success ? (r.data as unknown as CheckableSections[K]) : undefined;
  };
  return { input: one('input'), formats: one('formats'), sources: one('sources'), sinks: one('sinks') };
}

/** Whether one path is where the other starts (a problem already reported there or above it). */
function sameStart(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The salt directory: the policy's `salts.dir` (relative to the policy
 * file), else `$GALLRA_STATE_DIR/salts`, else the XDG state directory.
 *
 * @example
 * resolveSaltDir(config, '/etc/gallra', process.env) // '/var/lib/gallra/salts'
 */
export function resolveSaltDir(config: PolicyConfig, baseDir: string, env: NodeJS.ProcessEnv): string {
  if (config.salts.dir !== undefined) return path.resolve(baseDir, config.salts.dir);
  return path.join(resolveStateDir(env), 'salts');
}

interface ParsedYaml {
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
}

function readYaml(file: string): ParsedYaml {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(code);
    throw new GallraError('GALLRA_CONFIG_NOT_FOUND', `${file}: cannot read the config (${why}); check the path given to --config`, { cause: err });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const msgs = doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return `${file}:${at.line}:${at.col}: ${e.message.split('\n')[0]}`;
    });
    throw new GallraError('GALLRA_CONFIG_SYNTAX', `${msgs.join('\n')}\n  fix: the file must be valid YAML (or JSON); check indentation and quoting at that line`);
  }
  return { file, doc, lines };
}

/**
 * Merges a user policy over the defaults: mappings key by key, lists and
 * scalars replaced, `null` meaning "use the default".
 *
 * @example
 * mergePolicy({ ip: { preset: 'default', keep_port: false } }, { ip: { preset: 'cnil' } })
 * // { ip: { preset: 'cnil', keep_port: false } }
 */
export function mergePolicy(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null || v === undefined) continue;
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergePolicy(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function problemsFromIssue(issue: z.core.$ZodIssue): PolicyProblem[] {
  const p = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    // One problem per key, each with its own path and line (input.fromat at 2:3).
    const allowed = allowedKeysAt(p);
    return issue.keys.map((k) => {
      const hint = suggest(k, allowed);
      return {
        path: [...p, k],
        atKey: true,
        message: `unknown key "${k}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
        fix: allowed.length > 0 ? `remove it or use one of: ${allowed.join(', ')}` : 'remove it',
      };
    });
  }
  return [problemFromIssue(issue, p)];
}

function problemFromIssue(issue: z.core.$ZodIssue, p: Path): PolicyProblem {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_value': {
      const values = issue.values.map(String);
      const hint = typeof input === 'string' ? suggest(input, values) : undefined;
      return {
        path: p,
        message: `${JSON.stringify(input)} is not allowed here${hint ? ` (did you mean "${hint}"?)` : ''}`,
        fix: `use one of: ${values.join(', ')}`,
      };
    }
    case 'invalid_key': {
      // A name under fields: or formats: that cannot be one; the inner issue says what a name looks like.
      const expected = issue.issues[0]?.message ?? 'a different name';
      return { path: p, atKey: true, message: `not a valid name: expected ${expected}`, fix: 'rename it' };
    }
    case 'invalid_type':
      return {
        path: p,
        message: input === undefined ? `missing ${issue.expected}` : `expected ${issue.expected}, got ${describe(input)}`,
        fix: `write a ${issue.expected} here`,
      };
    default:
      return { path: p, message: issue.message.replace(/^Invalid input: /, ''), fix: fixFor(issue) };
  }
}

/** Fixes for the checks whose message alone does not say what to write instead. */
const FIXES: Readonly<Record<string, string>> = {
  'retention.keep': 'use P6M or less, e.g. P90D or P6M',
  'retention.max_future': 'use P1D or less, e.g. PT1H',
  'pseudonym.bits': 'use 128, 160, 192, 224 or 256',
  'pseudonym.prefix': 'use up to 16 of A-Z a-z 0-9 _ . : -, e.g. "u_"',
  'salts.grace': 'use P1D or less, e.g. PT1H',
  'redact.secret_min_length': 'use a number from 12 to 256, e.g. 24',
};

function fixFor(issue: z.core.$ZodIssue): string {
  const key = issue.path.filter((p) => typeof p === 'string').join('.');
  const known = FIXES[key];
  if (known !== undefined) return known;
  if (issue.message.includes('ISO 8601 duration')) return 'write a duration such as P6M (six months), P1D (a day) or PT1H (an hour)';
  if (issue.code === 'too_big') return `use at most ${String(issue.maximum)}`;
  if (issue.code === 'too_small') return `use at least ${String(issue.minimum)}`;
  if (issue.code === 'invalid_format') return 'correct the value to the form the message describes';
  return 'correct the value as the message describes';
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** The keys a strict object accepts at `path` in the policy schema (for did-you-mean). */
function allowedKeysAt(p: Path): string[] {
  let s: unknown = policySchema;
  for (let i = 0; i <= p.length; i++) {
    s = unwrap(s);
    const def = (s as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (def === undefined) return [];
    if (i === p.length) return def.type === 'object' ? Object.keys(def.shape as object) : [];
    const seg = p[i]!;
    if (def.type === 'object') s = (def.shape as Record<string, unknown>)[String(seg)];
    else if (def.type === 'record') s = def.valueType;
    else if (def.type === 'array') s = def.element;
    else return [];
  }
  return [];
}

function unwrap(s: unknown): unknown {
  for (let k = 0; k < 10; k++) {
    const def = (s as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (def === undefined) return s;
    if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault') s = def.innerType;
    else if (def.type === 'pipe') s = def.out;
    else return s;
  }
  return s;
}

/**
 * A field path as the user would write it to find the field.
 *
 * @example
 * dottedPath(['sources', 0, 'format']) // 'sources[0].format'
 */
function dottedPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? String(seg) : `.${String(seg)}`;
  return out;
}

/** Builds the one error listing every problem, each located in the user's file when it is there. */
function configError(label: string, source: ParsedYaml | undefined, problems: readonly PolicyProblem[]): GallraError {
  const lines = problems.map((pr) => {
    const where = source === undefined ? label : `${source.file}:${locate(source, pr)}`;
    const field = pr.path.length > 0 ? dottedPath(pr.path) : '(top level)';
    return `${where}: ${field}: ${pr.message}\n  fix: ${pr.fix}`;
  });
  const head = problems.length === 1 ? 'invalid policy' : `invalid policy (${problems.length} problems)`;
  return new GallraError('GALLRA_CONFIG_INVALID', `${head}\n${lines.join('\n')}`);
}

/** `line:col` of the deepest node of `pr.path` present in the user's file (the key itself for unknown keys). */
function locate(source: ParsedYaml, pr: PolicyProblem): string {
  const { doc, lines } = source;
  const n0 = pr.path.length;
  // An unknown key is found in its parent mapping, by name.
  for (let n = pr.atKey === true ? n0 - 1 : n0; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(pr.path.slice(0, n), true);
    if (node === undefined || node === null || typeof node !== 'object' || !('range' in node)) continue;
    let offset = (node as { range?: [number, number, number] }).range?.[0];
    if (pr.atKey === true && n === n0 - 1 && isMap(node)) {
      const key = String(pr.path[n0 - 1]);
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === key);
      if (pair !== undefined && isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
    }
    if (offset === undefined) continue;
    const at = lines.linePos(offset);
    return `${at.line}:${at.col}`;
  }
  return '1:1';
}
