/**
 * `gallra check-config FILE`: validates a policy and prints what it will do,
 * in words a data-protection officer can check against the privacy policy.
 */
import { components } from '../components.js';
import { type Role, roleOfName } from '../event/vocabulary.js';
import { GallraError } from '../errors.js';
import { loadPolicy, type LoadedPolicy } from '../policy/load.js';
import { formatEntryFor } from '../policy/check.js';
import type { FieldSpec } from '../policy/schema.js';
import { componentName, type Registry } from '../registry.js';
import { retentionWindowFromConfig } from '../retention/config.js';
import { retentionCutoff } from '../retention/window.js';
import { storeContext } from '../runtime/aggregates.js';
import { buildFormat, fieldRulesFor } from '../runtime/build.js';
import { redactOptionsFromConfig } from '../transforms/redact/config.js';
import { ipTruncationFromConfig } from '../transforms/truncate-ip.js';
import { parseCommand } from './args.js';
import type { CommandIo } from './anonymise.js';

export const CHECK_CONFIG_HELP = `Usage: gallra check-config [--json] [--config] FILE

Validates a policy file (merged over the built-in defaults) and prints the
effective policy: the retention window, salt epochs, IP truncation, what is
redacted, and for every format which transform each field gets. Without FILE
it prints the built-in defaults. For gallra run it also checks what the
sources will meet on this machine, as the user running check-config: a log
file that does not exist yet is a warning; a directory, a compressed file or
one that cannot be read is an error.

Options:
  --config FILE  the policy file (the same as giving FILE)
  --json         print the merged policy as JSON instead
  --log-level L  fatal | error | warn (default) | info | debug | silent
  -h, --help     this help

Exit status: 0 valid, 2 invalid (each problem is listed with file:line:col,
field path and a fix, or with the source it is about).
`;

/**
 * Runs `gallra check-config`.
 *
 * @example
 * await checkConfigCommand(['config/sidecar-nginx.yaml'], io) // 0
 */
export async function checkConfigCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('check-config', argv, { json: { type: 'boolean' }, config: { type: 'string' } });
  if (values.help === true) {
    io.stdout.write(CHECK_CONFIG_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new GallraError('GALLRA_USAGE', 'gallra check-config: give one policy file\n  see: gallra check-config --help');
  const file = positionals[0] ?? (values.config as string | undefined);
  const loaded = loadPolicy(file);
  if (values.json === true) {
    io.stdout.write(`${JSON.stringify(loaded.config, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(describePolicy(loaded, Date.now()));
  const problems = preflightProblems(loaded);
  for (const e of problems.errors) io.stderr.write(`gallra check-config: ${e}\n`);
  return problems.errors.length > 0 ? 2 : 0;
}

/**
 * What the sources will meet on this machine (paths, permissions), by source name.
 *
 * @example
 * preflightProblems(loadPolicy('sidecar-nginx.yaml')).errors // ['source nginx-access: /var/log/nginx is a directory; …']
 */
export function preflightProblems(loaded: LoadedPolicy, registry: Registry = components): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  (loaded.config.sources ?? []).forEach((src, i) => {
    const entry = registry.source(src.type)!;
    const name = componentName(entry, src, i);
    const r = entry.preflight?.(src, { name, baseDir: loaded.baseDir, env: process.env });
    for (const e of r?.errors ?? []) errors.push(`source ${name}: ${e}`);
    for (const w of r?.warnings ?? []) warnings.push(`source ${name}: ${w}`);
  });
  return { errors, warnings };
}

const pad = (s: string, n: number): string => (s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length));

function transformText(spec: FieldSpec | undefined, name: string, registry: Registry, roles?: ReadonlyMap<string, Role | undefined>): string {
  if (spec === undefined) return 'drop (not named by the policy)';
  const entry = registry.transform(spec.transform);
  // The role the format gives the field (a format declares its own fields' roles), else the vocabulary's.
  const field = { name, role: roles?.has(name) === true ? roles.get(name) : roleOfName(name, spec.role) };
  return entry?.describe?.(spec, field) ?? spec.transform;
}

/**
 * The effective policy in plain words.
 *
 * @example
 * process.stdout.write(describePolicy(loadPolicy('x.yaml'), Date.now()));
 */
export function describePolicy(loaded: LoadedPolicy, now: number, registry: Registry = components): string {
  const c = loaded.config;
  const ip = ipTruncationFromConfig(c.ip);
  const red = redactOptionsFromConfig(c.redact, ip);
  const cutoff = new Date(retentionCutoff(now, retentionWindowFromConfig(c.retention))).toISOString();
  const detectors = (['email', 'personnummer', 'phone', 'card', 'uuid', 'mac', 'secret', 'userinfo'] as const).filter((k) => red[k]);
  const lines: string[] = [];
  lines.push(`policy: ${loaded.file ?? 'built-in defaults'}${loaded.file !== undefined ? ' (merged over the built-in defaults)' : ''} — valid`);
  lines.push('');
  lines.push(`input       format ${c.input.format}; lines over ${c.input.max_line_length} bytes dropped; unparseable lines ${c.input.unparsed === 'drop' ? 'dropped' : 'written after free-text redaction'}; lines without a timestamp ${c.input.missing_timestamp === 'drop' ? 'dropped' : 'stamped with their arrival time'}`);
  lines.push(`retention   events older than ${c.retention.keep} are dropped (today: before ${cutoff}); events more than ${c.retention.max_future} in the future are dropped`);
  lines.push(`salts       ${c.salts.kafka !== undefined ? `Kafka topic ${c.salts.kafka.topic} on ${c.salts.kafka.bootstrap_servers} (shared by the group, first record per epoch wins)` : loaded.saltDir}; one salt per ${c.salts.epoch} epoch (UTC), destroyed ${c.salts.grace} after the epoch ends; events of closed epochs get a throw-away salt`);
  lines.push(`pseudonyms  HMAC-SHA-256 under the epoch salt, ${c.pseudonym.bits} bits, base64url${c.pseudonym.prefix !== '' ? `, prefix "${c.pseudonym.prefix}"` : ''}`);
  lines.push(`ip          IPv4 keeps /${ip.ipv4Prefix}, IPv6 keeps /${ip.ipv6Prefix} (preset ${c.ip.preset}${ipOverrides(c.ip)}); ports ${ip.keepPort ? 'kept' : 'dropped'}`);
  lines.push(`redact      ${red.ip !== undefined ? 'IP addresses (truncated), ' : ''}${detectors.join(', ')}${red.secret ? ` (secrets from ${red.secretMinLength} characters)` : ''}`);
  lines.push(`            values of parameters named like: ${red.sensitiveParams.contains.join(', ')}; or exactly: ${red.sensitiveParams.exact.join(', ')}`);
  for (const [name, f] of Object.entries(c.formats)) {
    const fields = fieldRulesFor(c, name);
    const entry = formatEntryFor(registry, name);
    const d = entry.describe(f);
    const layout = buildFormat(c, name, registry).event.layout;
    const roles = new Map(layout.names.map((n, i) => [n, layout.roles[i]]));
    lines.push('');
    if (d.fields.length === 0) {
      // Formats that read fields by name (JSON) read only what the policy names.
      lines.push(`format ${name} (${d.layout})`);
      if (d.note !== undefined) lines.push(`  ${d.note}`);
      for (const [field, spec] of Object.entries(fields)) if (spec.transform !== 'drop') lines.push(`  ${pad(field, 24)}${transformText(spec, field, registry, roles)}`);
      continue;
    }
    lines.push(`format ${name}: ${d.layout}`);
    for (const fd of d.fields) {
      const n = fd.startsWith('+ ') ? fd.slice(2) : fd;
      lines.push(`  ${pad(fd, 24)}${transformText(Object.hasOwn(fields, n) ? fields[n] : undefined, n, registry, roles)}`);
    }
    if (d.appendedDropped === true) lines.push(`  ${pad('+ other appended', 24)}drop`);
    if (d.note !== undefined) lines.push(`  ${d.note}`);
  }
  lines.push(...describeRun(loaded, registry));
  lines.push(...describeAggregates(loaded, registry));
  return `${lines.join('\n')}\n`;
}

/** What `gallra run` would start: its sources, sinks and listener (nothing for a policy without them). */
function describeRun(loaded: LoadedPolicy, registry: Registry): string[] {
  const c = loaded.config;
  if (c.sources === undefined && c.sinks === undefined && c.http === undefined) return [];
  const base = loaded.baseDir;
  const lines = ['', `run (gallra run): every source feeds every sink; positions recorded every ${c.run.commit_ms} ms; a shutdown drains for at most ${c.run.shutdown_timeout_ms} ms`];
  (c.sources ?? []).forEach((src, i) => {
    const entry = registry.source(src.type)!;
    const name = componentName(entry, src, i);
    lines.push(`  source ${pad(name, 18)}${entry.describe(src, { name, baseDir: base, env: process.env, format: src.format ?? c.input.format })}`);
    const check = entry.preflight?.(src, { name, baseDir: base, env: process.env });
    for (const e of check?.errors ?? []) lines.push(`         ${pad('', 18)}error: ${e}`);
    for (const w of check?.warnings ?? []) lines.push(`         ${pad('', 18)}warning: ${w}`);
  });
  if (c.sources === undefined) lines.push('  (no sources: gallra run will refuse to start)');
  (c.sinks ?? []).forEach((sink, i) => {
    const entry = registry.sink(sink.type)!;
    const name = componentName(entry, sink, i);
    lines.push(`  sink   ${pad(name, 18)}${entry.describe(sink, { name, baseDir: base, window: retentionWindowFromConfig(c.retention), keep: c.retention.keep })}`);
  });
  if (c.sinks === undefined) lines.push('  (no sinks: gallra run will refuse to start)');
  lines.push(c.http === undefined ? '  http   none (no /healthz, /readyz or /metrics)' : `  http   ${c.http.host}:${c.http.port}: /healthz, /readyz, /metrics`);
  return lines;
}

/** The aggregates a policy rolls off the stream, and where they are kept (nothing without `aggregates:`). */
function describeAggregates(loaded: LoadedPolicy, registry: Registry): string[] {
  const a = loaded.config.aggregates;
  if (a === undefined) return [];
  const entry = registry.store(a.store.type)!;
  const groupings = a.groupings.map((g) => (g === 'total' ? 'total' : `[${g.join(', ')}]`)).join(' ');
  const rollups = [a.rollups.day ? 'day' : '', a.rollups.month ? 'month' : ''].filter((x) => x !== '');
  return [
    '',
    `aggregates: ${a.window} windows on event time (later than ${a.allowed_lateness} behind the newest: counted as late, not merged); rows below k=${a.k} distinct visitors fold into (other)`,
    `  groupings ${groupings}${rollups.length > 0 ? `; distinct counts also per ${rollups.join(' and ')}` : ''}`,
    `  noise    ${a.noise === undefined ? 'off' : `discrete Laplace, epsilon ${a.noise.epsilon}, contribution cap ${a.noise.contribution_cap}`}`,
    `  store    ${entry.describe(a.store, storeContext(loaded, process.env))}`,
    `  readers  gallra query, gallra serve${loaded.config.http === undefined ? '' : ', and gallra run at its http: address'} (a bearer token required beyond loopback)`,
  ];
}

/** The prefixes a policy sets over its preset, as check-config shows them: `, ipv6_prefix 64 over it`. */
function ipOverrides(ip: { ipv4_prefix?: number | undefined; ipv6_prefix?: number | undefined }): string {
  const set = [ip.ipv4_prefix !== undefined ? `ipv4_prefix ${ip.ipv4_prefix}` : '', ip.ipv6_prefix !== undefined ? `ipv6_prefix ${ip.ipv6_prefix}` : ''].filter((x) => x !== '');
  return set.length === 0 ? '' : `, ${set.join(' and ')} over it`;
}
