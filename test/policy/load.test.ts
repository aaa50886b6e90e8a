import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GallraError, isGallraError } from '../../src/errors.js';
import { loadPolicy, mergePolicy, resolveSaltDir } from '../../src/policy/load.js';
import { suggest } from '../../src/util/suggest.js';
import { makeEnv, policyFrom, type TestEnv, writePolicy } from '../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

/** The GallraError loading `text` throws (fails the test if it loads). */
function loadError(text: string, ext = 'yaml'): { err: GallraError; file: string } {
  const file = writePolicy(env, text, ext);
  try {
    loadPolicy(file, {});
  } catch (err) {
    if (!isGallraError(err)) throw err;
    return { err, file };
  }
  throw new Error(`loaded without error:\n${text}`);
}

describe('loadPolicy', () => {
  it('returns the built-in defaults without a file', () => {
    const { config, file } = policyFrom(env);
    expect(file).toBeUndefined();
    expect(config.input).toEqual({ format: 'auto', max_line_length: 65_536, unparsed: 'drop', missing_timestamp: 'drop' });
    expect(config.retention).toEqual({ keep: 'P6M', max_future: 'PT1H' });
    expect(config.fields.remote_addr).toEqual({ transform: 'truncate-ip' });
    expect(Object.keys(config.formats).sort()).toEqual(['alb', 'azure_frontdoor', 'caddy', 'cdr', 'cloudflare', 'cloudfront', 'combined', 'common', 'elb', 'gcp_lb', 'haproxy', 'iis', 'json', 's3', 'vhost_combined', 'vpcflow', 'w3c']);
  });

  it('merges a file over the defaults: only the keys it changes', () => {
    const { config } = policyFrom(env, 'input:\n  format: json\nip:\n  preset: cnil\nfields:\n  user_id: drop\n');
    expect(config.input).toMatchObject({ format: 'json', max_line_length: 65_536 });
    expect(config.ip).toMatchObject({ preset: 'cnil', keep_port: false });
    expect(config.fields.user_id).toEqual({ transform: 'drop' });
    expect(config.fields.remote_user).toEqual({ transform: 'pseudonymise' });
  });

  it('accepts an empty file as the defaults', () => {
    expect(policyFrom(env, '').config).toEqual(policyFrom(env).config);
    expect(policyFrom(env, '# only a comment\n').config).toEqual(policyFrom(env).config);
  });

  it('accepts JSON config files', () => {
    const { config } = policyFrom(env, JSON.stringify({ input: { format: 'json' }, fields: { 'http.request.method': 'keep' } }), 'json');
    expect(config.input.format).toBe('json');
    expect(config.fields['http.request.method']).toEqual({ transform: 'keep' });
  });

  it('resolves salts.dir against the policy file\'s directory', () => {
    const loaded = policyFrom(env, 'salts:\n  dir: ./my-salts\n');
    expect(loaded.saltDir).toBe(join(env.root, 'my-salts'));
    expect(loaded.baseDir).toBe(env.root);
  });
});

describe('policy loading errors', () => {
  it('reports a YAML syntax error as GALLRA_CONFIG_SYNTAX with file:line:col, exit code 2', () => {
    const { err, file } = loadError('input:\n  format: combined\n  unparsed: [drop\nretention: {}\n');
    expect(err.code).toBe('GALLRA_CONFIG_SYNTAX');
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(new RegExp(`^${escape(file)}:\\d+:\\d+: `));
    expect(err.message).toContain('fix:');
  });

  it('reports a duplicate key as a syntax error at its line', () => {
    const { err, file } = loadError('input:\n  format: json\n  format: combined\n');
    expect(err.code).toBe('GALLRA_CONFIG_SYNTAX');
    expect(err.message).toContain(`${file}:3:3:`);
  });

  it('reports a syntax error in a JSON file', () => {
    const { err } = loadError('{"input": {"format": "json",}', 'json');
    expect(err.code).toBe('GALLRA_CONFIG_SYNTAX');
  });

  it('reports an unknown key with file:line:col of the key, its dotted path, a did-you-mean and a fix', () => {
    const { err, file } = loadError('# my policy\ninput:\n  fromat: combined\n');
    expect(err.code).toBe('GALLRA_CONFIG_INVALID');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`${file}:3:3: input.fromat: unknown key "fromat" (did you mean "format"?)`);
    expect(err.message).toContain('fix: remove it or use one of: format, max_line_length, unparsed, missing_timestamp');
  });

  it('reports unknown keys at the top level and deep inside field and format specs', () => {
    const { err, file } = loadError('inputs: {}\nfields:\n  remote_addr:\n    transform: keep\n    namspace: x\nformats:\n  combined:\n    extra_field: [a]\n');
    expect(err.message).toContain(`${file}:1:1: inputs: unknown key "inputs" (did you mean "input"?)`);
    expect(err.message).toContain(`${file}:5:5: fields.remote_addr.namspace: unknown key "namspace" (did you mean "namespace"?)`);
    expect(err.message).toContain(`${file}:8:5: formats.combined.extra_field: unknown key "extra_field" (did you mean "extra_fields"?)`);
  });

  it('reports each of several unknown keys in one mapping on its own line', () => {
    const { err, file } = loadError('ip:\n  preset: cnil\n  keep_prot: true\n  ipv4_prefx: 16\n');
    expect(err.message).toContain('invalid policy (2 problems)');
    expect(err.message).toContain(`${file}:3:3: ip.keep_prot: unknown key "keep_prot" (did you mean "keep_port"?)`);
    expect(err.message).toContain(`${file}:4:3: ip.ipv4_prefx: unknown key "ipv4_prefx" (did you mean "ipv4_prefix"?)`);
  });

  it('does not suggest anything for a key unlike any allowed one', () => {
    const { err } = loadError('input:\n  colour: blue\n');
    expect(err.message).toContain('input.colour: unknown key "colour"\n');
  });

  it('suggests "truncate-ip" for transform: truncate_ip, in both spellings of a field spec', () => {
    for (const text of ['fields:\n  remote_addr: truncate_ip\n', 'fields:\n  remote_addr:\n    transform: truncate_ip\n']) {
      const { err, file } = loadError(text);
      expect(err.code).toBe('GALLRA_CONFIG_INVALID');
      expect(err.message).toMatch(new RegExp(`${escape(file)}:\\d+:16: fields\\.remote_addr\\.transform: "truncate_ip" is not allowed here \\(did you mean "truncate-ip"\\?\\)`));
      expect(err.message).toContain('fix: use one of: keep, drop, truncate-ip, pseudonymise, redact, generalise-user-agent, visitor-id');
    }
  });

  it('rejects retention.keep P1Y, mentioning P6M', () => {
    const { err, file } = loadError('retention:\n  keep: P1Y\n');
    expect(err.message).toContain(`${file}:2:9: retention.keep:`);
    expect(err.message).toContain('P6M');
  });

  it('names a list entry by its index, sources[1].format, at its line', () => {
    const { err, file } = loadError('sources:\n  - type: stdin\n  - type: fifo\n    path: x.fifo\n    format: combind\nsinks:\n  - type: stdout\n');
    expect(err.message).toContain(`${file}:5:13: sources[1].format: unknown format "combind"`);
  });

  it('rejects a salts.grace longer than a day, saying why', () => {
    const { err, file } = loadError('salts:\n  grace: P7D\n');
    expect(err.code).toBe('GALLRA_CONFIG_INVALID');
    expect(err.message).toContain(`${file}:2:10: salts.grace: at most P1D`);
    expect(err.message).toContain('linkable');
    expect(policyFrom(env, 'salts:\n  grace: PT24H\n').config.salts.grace).toBe('PT24H');
  });

  it('rejects a retention.keep that is not a duration', () => {
    const { err } = loadError('retention:\n  keep: six months\n');
    expect(err.message).toContain('retention.keep: expected an ISO 8601 duration');
  });

  it('rejects ip.ipv4_prefix 32', () => {
    const { err, file } = loadError('ip:\n  ipv4_prefix: 32\n');
    expect(err.message).toContain(`${file}:2:16: ip.ipv4_prefix: at most 24`);
    expect(err.message).toContain('fix: use at most 24');
  });

  it('rejects a value of the wrong type, saying what was expected', () => {
    const { err } = loadError('input:\n  max_line_length: lots\n');
    expect(err.message).toContain('input.max_line_length: expected number, got string "lots"');
  });

  it('rejects a custom format without log_format', () => {
    const { err, file } = loadError('formats:\n  mine: {}\n');
    expect(err.message).toContain(`${file}:2:9: formats.mine: format mine has no log_format`);
    expect(err.message).toContain('fix: add log_format:');
  });

  it('rejects a template with two adjacent variables, saying which and where', () => {
    const { err, file } = loadError("formats:\n  mine:\n    log_format: '$remote_addr$remote_user [$time_local]'\n");
    expect(err.message).toContain(`${file}:3:17: formats.mine.log_format: $remote_user follows $remote_addr with nothing between them`);
    expect(err.message).toContain('(at character 13)');
  });

  it('rejects input.format naming an unknown format, listing the known ones', () => {
    const { err, file } = loadError('input:\n  format: nginx_main\n');
    expect(err.message).toContain(`${file}:2:11: input.format: unknown format "nginx_main"`);
    expect(err.message).toContain('use auto or one of: combined, common, vhost_combined, alb, elb, s3, cloudfront, vpcflow, gcp_lb, cloudflare, azure_frontdoor, w3c, iis, haproxy, caddy, cdr, json');
  });

  it('rejects input.format naming an Object.prototype member', () => {
    for (const name of ['toString', 'constructor', '__proto__']) {
      expect(loadError(`input:\n  format: "${name}"\n`).err.message, name).toContain(`unknown format "${name}"`);
    }
  });

  it('rejects a built-in format with a log_format', () => {
    const { err } = loadError("formats:\n  combined:\n    log_format: '$remote_addr [$time_local]'\n");
    expect(err.message).toContain('formats.combined.log_format: combined is built in and its layout cannot be changed');
    expect(err.message).toContain('formats.my_combined.log_format');
  });

  it('rejects a field name that cannot be one, pointing at the name', () => {
    const { err, file } = loadError('fields:\n  "bad name": keep\n');
    expect(err.message).toContain(`${file}:2:3: fields.bad name: not a valid name: expected a field name such as remote_addr`);
  });

  it('rejects a dotted field name through __proto__, which would reach Object.prototype', () => {
    const { err } = loadError('fields:\n  __proto__.polluted: keep\n');
    expect(err.message).toContain('fields.__proto__.polluted: not a valid name: expected a field name without a __proto__ part');
  });

  it('rejects a policy that is not a mapping', () => {
    const { err, file } = loadError('- input\n- fields\n');
    expect(err.code).toBe('GALLRA_CONFIG_INVALID');
    expect(err.message).toContain(`${file}:1:1: the policy must be a mapping`);
  });

  it('reports every problem in a file at once', () => {
    const { err, file } = loadError(
      ['input:', '  fromat: x', 'ip:', '  ipv4_prefix: 32', 'retention:', '  keep: P1Y', 'fields:', '  remote_addr: truncate_ip', ''].join('\n'),
    );
    expect(err.message).toContain('invalid policy (4 problems)');
    for (const at of [':2:3: input.fromat', ':4:16: ip.ipv4_prefix', ':6:9: retention.keep', ':8:16: fields.remote_addr.transform']) expect(err.message).toContain(`${file}${at}`);
  });

  it('reports every problem across formats and input.format at once', () => {
    const { err } = loadError("input:\n  format: nope\nformats:\n  a: {}\n  b:\n    log_format: '$x$y'\n");
    expect(err.message).toContain('invalid policy (3 problems)');
  });

  it('reports the problems of valid sections beside the schema problems of others, in one run', () => {
    const { err, file } = loadError(
      ['input:', '  format: nope', 'salts:', '  epoch: P2D', 'sinks:', '  - { type: stdout }', '  - { type: stdout, name: stdout-1 }', 'sources:', '  - { type: stdin, port: 1 }', ''].join('\n'),
    );
    expect(err.message).toContain('invalid policy (4 problems)');
    // Schema problems: the epoch, the stdin source's stray key.
    expect(err.message).toContain(`${file}:4:10: salts.epoch`);
    expect(err.message).toMatch(/sources\[0\]\.port/);
    // Semantic problems of sections that are valid by themselves: the unknown format, the duplicate sink name.
    expect(err.message).toContain(`${file}:2:11: input.format: unknown format "nope"`);
    expect(err.message).toMatch(/sinks\[1\]\.name: sinks\[0\] and sinks\[1\] are both named stdout-1/);
  });

  it('reports a missing file as GALLRA_CONFIG_NOT_FOUND, exit code 2', () => {
    const missing = join(env.root, 'nope.yaml');
    try {
      loadPolicy(missing, {});
      expect.unreachable();
    } catch (err) {
      expect(isGallraError(err) && err.code).toBe('GALLRA_CONFIG_NOT_FOUND');
      expect((err as GallraError).exitCode).toBe(2);
      expect((err as Error).message).toContain(`${missing}: cannot read the config (no such file)`);
    }
  });

  it('reports a directory given as the config as GALLRA_CONFIG_NOT_FOUND', () => {
    const dir = join(env.root, 'a-dir');
    mkdirSync(dir, { recursive: true });
    expect(() => loadPolicy(dir, {})).toThrow(/is a directory/);
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file as GALLRA_CONFIG_NOT_FOUND', () => {
    const file = writePolicy(env, 'input: {}\n');
    chmodSync(file, 0o000);
    expect(() => loadPolicy(file, {})).toThrow(/permission denied/);
  });
});

describe('mergePolicy', () => {
  it('merges mappings key by key', () => {
    expect(mergePolicy({ ip: { preset: 'default', keep_port: false } }, { ip: { preset: 'cnil' } })).toEqual({ ip: { preset: 'cnil', keep_port: false } });
  });

  it('replaces lists instead of merging them', () => {
    const base = { formats: { combined: { extra_fields: ['http_x_forwarded_for'] } } };
    expect(mergePolicy(base, { formats: { combined: { extra_fields: [] } } })).toEqual({ formats: { combined: { extra_fields: [] } } });
    expect(mergePolicy(base, { formats: { combined: { extra_fields: ['a', 'b'] } } })).toEqual({ formats: { combined: { extra_fields: ['a', 'b'] } } });
  });

  it('takes null as "use the default"', () => {
    const base = { input: { format: 'auto' }, fields: { remote_user: 'pseudonymise' } };
    expect(mergePolicy(base, { input: null, fields: { remote_user: null } })).toEqual(base);
    expect(mergePolicy(base, { input: { format: null } })).toEqual(base);
  });

  it('replaces a scalar by a mapping and a mapping by a scalar', () => {
    expect(mergePolicy({ fields: { a: 'keep' } }, { fields: { a: { transform: 'drop' } } })).toEqual({ fields: { a: { transform: 'drop' } } });
    expect(mergePolicy({ fields: { a: { transform: 'drop' } } }, { fields: { a: 'keep' } })).toEqual({ fields: { a: 'keep' } });
  });

  it('does not change its inputs', () => {
    const base = { ip: { preset: 'default' } };
    mergePolicy(base, { ip: { preset: 'cnil' } });
    expect(base).toEqual({ ip: { preset: 'default' } });
  });

  it('is what loadPolicy does: null in a file keeps the default', () => {
    expect(policyFrom(env, 'fields:\n  remote_user: null\ninput: ~\n').config).toEqual(policyFrom(env).config);
  });
});

describe('suggest', () => {
  it('finds the closest option within a typo\'s distance, ignoring case', () => {
    expect(suggest('fromat', ['format', 'unparsed'])).toBe('format');
    expect(suggest('Truncate_IP', ['keep', 'truncate-ip'])).toBe('truncate-ip');
    expect(suggest('colour', ['format', 'unparsed'])).toBeUndefined();
  });
});

describe('resolveSaltDir', () => {
  it('prefers salts.dir, then $GALLRA_STATE_DIR, then $XDG_STATE_HOME', () => {
    const config = policyFrom(env).config;
    expect(resolveSaltDir({ ...config, salts: { ...config.salts, dir: 'rel' } }, '/etc/gallra', {})).toBe('/etc/gallra/rel');
    expect(resolveSaltDir(config, '/x', { GALLRA_STATE_DIR: '/var/lib/gallra' })).toBe('/var/lib/gallra/salts');
    expect(resolveSaltDir(config, '/x', { XDG_STATE_HOME: '/home/u/.state' })).toBe('/home/u/.state/gallra/salts');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
