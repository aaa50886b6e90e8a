/**
 * `gallra check-config`: a valid policy is printed in words (what a
 * data-protection officer checks against the privacy policy); an invalid one
 * is rejected with exit 2 and, for every problem, `file:line:col`, the field
 * path and a `fix:` line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, FIXTURES, runCli, TempDirs } from '../helpers/cli.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => tmp.cleanup());

const cfg = (name: string): string => join(FIXTURES, 'config', name);

/** The `  field   transform` lines of one format's section of the description. */
function formatSection(out: string, header: RegExp): Map<string, string> {
  const blocks = out.split('\n\n');
  const block = blocks.find((b) => header.test(b.split('\n')[0]!));
  if (block === undefined) throw new Error(`no section ${header} in:\n${out}`);
  const rows = new Map<string, string>();
  for (const line of block.split('\n').slice(1)) {
    const m = /^ {2}(\+ )?(\S+(?: \S+)?) {2,}(.+)$/.exec(line) ?? /^ {2}(\+ )?(\S+) (.+)$/.exec(line);
    if (m !== null) rows.set(`${m[1] ?? ''}${m[2]}`, m[3]!);
  }
  return rows;
}

describe('gallra check-config on a valid policy', () => {
  it('exits 0 and prints the effective policy: retention window, salts directory and epoch, IP rule, and each format field by field', () => {
    const stateDir = tmp.make('cc');
    const r = runCli(['check-config', cfg('good.yaml')], { stateDir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^policy: .*good\.yaml \(merged over the built-in defaults\) — valid/);
    expect(out).toMatch(/^retention +events older than P90D are dropped \(today: before \d{4}-\d{2}-\d{2}T[\d:.]+Z\); events more than PT1H in the future are dropped$/m);
    // GALLRA_STATE_DIR decides where the salts live when the policy does not.
    expect(out).toMatch(new RegExp(`^salts +${join(stateDir, 'salts')}; one salt per P1D epoch \\(UTC\\), destroyed PT1H after the epoch ends`, 'm'));
    expect(out).toMatch(/^pseudonyms +HMAC-SHA-256 under the epoch salt, 128 bits, base64url, prefix "u_"$/m);
    expect(out).toMatch(/^ip +IPv4 keeps \/16, IPv6 keeps \/48 \(preset cnil\); ports dropped$/m);
    expect(out).toMatch(/^input +format main;/m);

    const main = formatSection(out, /^format main: \$remote_addr - \$remote_user \[\$time_local\]/);
    expect(Object.fromEntries(main)).toEqual({
      remote_addr: 'truncate-ip',
      remote_user: 'pseudonymise (namespace user)',
      time_local: 'keep if a time, else drop',
      request: 'redact',
      status: 'keep if a status code, else drop',
      body_bytes_sent: 'keep if a byte count, else drop',
      http_referer: 'redact',
      http_user_agent: 'generalise-user-agent',
      http_x_forwarded_for: 'truncate-ip',
      request_time: 'keep if a duration, else drop',
      '+ other appended': 'drop',
    });
    const combined = formatSection(out, /^format combined: /);
    expect(combined.get('remote_logname')).toBe('drop');
    expect(combined.get('+ http_x_forwarded_for')).toBe('truncate-ip');
    const json = formatSection(out, /^format json /);
    expect(json.get('client_ip')).toBe('truncate-ip');
    expect(json.get('user_id')).toBe('pseudonymise (namespace user)');
    expect(json.get('email')).toMatch(/^pseudonymise/);
    // Dropped fields are not listed as if they were written.
    expect(json.has('x_request_id')).toBe(false);
  });

  it('without a file describes the built-in defaults', () => {
    const r = runCli(['check-config'], { stateDir: tmp.make('cc') });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^policy: built-in defaults — valid/);
    expect(r.stdout).toMatch(/events older than P6M are dropped/);
    expect(r.stdout).toMatch(/IPv4 keeps \/24, IPv6 keeps \/48 \(preset default\)/);
  });

  it('says what gallra run would start: each source and sink by the name logs and metrics use, and the listener', () => {
    const dir = tmp.make('cc-run');
    const file = join(dir, 'run.yaml');
    writeFileSync(
      file,
      [
        'ip: { ipv6_prefix: 56 }',
        'sources:',
        '  - { type: file, path: logs/access.log, start_at: beginning }',
        '  - { type: syslog, name: haproxy, port: 5515, protocol: both, format: common }',
        'sinks:',
        '  - { type: file, dir: out }',
        '  - { type: stdout, name: console }',
        'http: { port: 9464 }',
        '',
      ].join('\n'),
    );
    const r = runCli(['check-config', file], { stateDir: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/IPv6 keeps \/56 \(preset default, ipv6_prefix 56 over it\)/);
    const run = r.stdout.slice(r.stdout.indexOf('\nrun (gallra run)'));
    expect(run).toContain(`source access.log        tail ${join(dir, 'logs/access.log')}, from its beginning on first start, format auto; position in ${join(dir, 'checkpoints', 'access.log.json')}`);
    expect(run).toContain('source haproxy           listen for syslog on UDP and TCP 127.0.0.1:5515, format common');
    expect(run).toContain(`sink   file-1            daily files ${join(dir, 'out', 'access-YYYY-MM-DD.log')} (UTC event day, mode 0640; a day older than P6M is deleted, the day the window starts in rewritten without its expired lines)`);
    expect(run).toContain('sink   console           standard output');
    expect(run).toContain('http   127.0.0.1:9464: /healthz, /readyz, /metrics');
  });

  it('describes the aggregates: windows, k, grouping sets, noise, the store and who reads it — and nothing without the section', () => {
    const dir = tmp.make('ccagg');
    const file = join(dir, 'agg.yaml');
    writeFileSync(file, 'aggregates:\n  k: 7\n  groupings: [total, [path_template], [browser, os, device]]\n  store: { type: duckdb, path: agg.duckdb }\n  retention: P13M\n');
    const r = runCli(['check-config', file], { stateDir: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^aggregates: PT1H windows on event time \(later than PT10M behind the newest: counted as late, not merged\); rows below k=7 distinct visitors fold into \(other\)$/m);
    expect(r.stdout).toMatch(/^ {2}groupings total \[path_template\] \[browser, os, device\]; distinct counts also per day and month$/m);
    expect(r.stdout).toMatch(/^ {2}noise +off$/m);
    expect(r.stdout).toContain(`DuckDB ${join(dir, 'agg.duckdb')}, published as Parquet under ${join(dir, 'agg-parquet')}/<table>/date=YYYY-MM-DD/ (rows kept P13M)`);
    expect(runCli(['check-config', cfg('good.yaml')], { stateDir: dir }).stdout).not.toMatch(/^aggregates:/m);
  });

  it('says nothing about gallra run for a policy without sources, sinks or listener', () => {
    const r = runCli(['check-config', cfg('good.yaml')], { stateDir: tmp.make('cc') });
    expect(r.stdout).not.toContain('run (gallra run)');
  });

  it('reads JSON policies as well as YAML', () => {
    const r = runCli(['check-config', cfg('good.json')], { stateDir: tmp.make('cc') });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/one salt per PT6H epoch/);
    expect(r.stdout).toMatch(/^input +format json;/m);
    expect(formatSection(r.stdout, /^format json /).get('trace_id')).toBe('pseudonymise (namespace trace)');
  });

  it('--json prints the merged policy as JSON: the file over the built-in defaults', () => {
    const r = runCli(['check-config', '--json', cfg('good.yaml')], { stateDir: tmp.make('cc') });
    expect(r.status).toBe(0);
    const merged = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    expect(merged.retention).toMatchObject({ keep: 'P90D', max_future: 'PT1H' });
    expect(merged.ip).toMatchObject({ preset: 'cnil', keep_port: false });
    expect(merged.pseudonym).toMatchObject({ prefix: 'u_', bits: 128 });
    expect(merged.salts).toMatchObject({ epoch: 'P1D', grace: 'PT1H' });
    expect(merged.input).toMatchObject({ format: 'main', unparsed: 'drop', max_line_length: 65536 });
    const formats = merged.formats as Record<string, Record<string, unknown>>;
    expect(formats.main!.log_format).toMatch(/^\$remote_addr - \$remote_user/);
    expect(Object.keys(formats)).toEqual(expect.arrayContaining(['combined', 'common', 'vhost_combined', 'json', 'main']));
    // Fields of the defaults are still there next to the file's own.
    const fields = merged.fields as Record<string, unknown>;
    expect(JSON.stringify(fields.remote_user)).toMatch(/pseudonymise/);
    expect(JSON.stringify(fields.user_agent)).toMatch(/generalise-user-agent/);
    expect(JSON.stringify(fields.x_request_id)).toMatch(/drop/);
  });
});

describe('gallra check-config on an invalid policy', () => {
  const bad: [string, string, RegExp[]][] = [
    ['an unknown key (a typo)', 'bad-unknown-key.yaml', [/bad-unknown-key\.yaml:5:3: ip(\.prest)?: unknown key "prest" \(did you mean "preset"\?\)/, /fix: remove it or use one of: preset, /]],
    [
      'several bad values, each reported',
      'bad-values.yaml',
      [
        /^gallra: invalid policy \(4 problems\)$/m,
        /bad-values\.yaml:3:13: input\.unparsed: "passthrough" is not allowed here/,
        /bad-values\.yaml:5:9: retention\.keep: .*P6M/,
        /bad-values\.yaml:7:10: salts\.epoch: "P2D" is not allowed here \(did you mean "P1D"\?\)/,
        /bad-values\.yaml:9:9: pseudonym\.bits: /,
        /fix: use one of: drop, scrub/,
        /fix: use one of: PT1H, PT6H, PT12H, P1D, P7D, P1M/,
      ],
    ],
    ['a YAML syntax error', 'bad-syntax.yaml', [/bad-syntax\.yaml:3:1: /, /fix: the file must be valid YAML \(or JSON\)/]],
    ['a list instead of a mapping', 'bad-not-mapping.yaml', [/bad-not-mapping\.yaml:1:1: the policy must be a mapping/]],
  ];
  it.each(bad)('%s: exit 2, file:line:col, the field path and a fix: line', (_, name, expected) => {
    const r = runCli(['check-config', cfg(name)], { stateDir: tmp.make('cc') });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    for (const re of expected) expect(r.stderr).toMatch(re);
    // Every located problem is followed by its fix.
    const located = r.stderr.split('\n').filter((l) => /\.yaml:\d+:\d+: /.test(l)).length;
    expect(located).toBeGreaterThan(0);
    if (name !== 'bad-syntax.yaml' && name !== 'bad-not-mapping.yaml') expect(r.stderr.split('\n').filter((l) => /^\s+fix: /.test(l))).toHaveLength(located);
  });

  it('--json on an invalid policy prints no JSON and exits 2', () => {
    const r = runCli(['check-config', '--json', cfg('bad-values.yaml')], { stateDir: tmp.make('cc') });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('a missing policy file: exit 2 naming it, and what to check', () => {
    const dir = tmp.make('cc');
    const missing = join(dir, 'policy.yaml');
    const r = runCli(['check-config', missing], { stateDir: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${missing}: cannot read the config (no such file)`);
  });

  it('names the line of a problem in a JSON policy too', () => {
    const dir = tmp.make('cc');
    const file = join(dir, 'p.json');
    writeFileSync(file, '{\n  "retention": {\n    "keep": "P2Y"\n  }\n}\n');
    const r = runCli(['check-config', file], { stateDir: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:3:\\d+: retention\\.keep: `));
    expect(r.stderr).toMatch(/fix: /);
  });

  it('does not echo addresses or e-mail addresses found in a rejected value, but still names file, line and field', () => {
    const r = runCli(['check-config', cfg('bad-ip-values.yaml')], { stateDir: tmp.make('cc') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad-ip-values\.yaml:5:10: salts\.epoch: /);
    expect(r.stderr).toMatch(/bad-ip-values\.yaml:7:\d+: fields\.remote_addr\.transform: /);
    expect(r.stderr).toMatch(/fix: use one of: PT1H/);
    for (const raw of ['alice.lindqvist@example.se', '193.10.250.77', '81.6.12.34']) expect(r.stderr).not.toContain(raw);
  });
});
