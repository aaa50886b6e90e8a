import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPolicy } from '../../src/policy/check.js';
import { type PolicyConfig, policySchema } from '../../src/policy/schema.js';
import { makeEnv, policyFrom, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
let defaults: PolicyConfig;
beforeAll(() => {
  env = makeEnv();
  defaults = policyFrom(env).config;
});
afterAll(() => env.cleanup());

/** The defaults with `formats` and `input` changed (already schema-valid). */
function withFormats(formats: Record<string, object>, input: Partial<PolicyConfig['input']> = {}): PolicyConfig {
  return policySchema.parse({ ...defaults, input: { ...defaults.input, ...input }, formats: { ...defaults.formats, ...formats } }) as unknown as PolicyConfig;
}

describe('checkPolicy', () => {
  it('finds nothing wrong with the defaults', () => {
    expect(checkPolicy(defaults)).toEqual([]);
  });

  it('rejects two sources or two sinks of one name, given or defaulted, pointing at the second', () => {
    const c = policySchema.parse({
      ...defaults,
      sources: [
        { type: 'file', path: '/a/access.log' },
        { type: 'file', path: '/b/access.log' },
        { type: 'stdin', name: 'web' },
      ],
      sinks: [{ type: 'stdout' }, { type: 'stdout', name: 'stdout-1' }],
    }) as unknown as PolicyConfig;
    expect(checkPolicy(c)).toEqual([
      {
        path: ['sources', 1],
        message: 'sources[0] and sources[1] are both named access.log: their metrics and checkpoints would mix',
        fix: 'give this source its own name: (names default to the file name, or the type and position)',
      },
      {
        path: ['sinks', 1, 'name'],
        message: 'sinks[0] and sinks[1] are both named stdout-1: their metrics would mix',
        fix: 'give this sink its own name: (names default to the type and position)',
      },
    ]);
  });

  it('rejects log_format and extra_fields on json', () => {
    const problems = checkPolicy(withFormats({ json: { log_format: '$a [$time_local]', extra_fields: ['x'] } }));
    expect(problems.map((p) => p.path.join('.')).sort()).toEqual(['formats.json.extra_fields', 'formats.json.log_format']);
    expect(problems.find((p) => p.path.includes('log_format'))!.message).toBe('json is built in and its layout cannot be changed');
  });

  it('rejects timestamp_fields and visitor_id on a text format', () => {
    const problems = checkPolicy(withFormats({ common: { timestamp_fields: ['t'], visitor_id: 'v' } }));
    expect(problems.map((p) => p.path.join('.')).sort()).toEqual(['formats.common.timestamp_fields', 'formats.common.visitor_id']);
    expect(problems[0]!.fix).toMatch(/^remove (timestamp_fields|visitor_id) from formats\.common$/);
  });

  it('rejects a layout without a time field unless missing_timestamp is arrival', () => {
    const mine = { mine: { log_format: '$remote_addr "$request" $status' } };
    const problems = checkPolicy(withFormats(mine));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toEqual(['formats', 'mine', 'log_format']);
    expect(problems[0]!.message).toContain('no time field');
    expect(problems[0]!.fix).toContain('input.missing_timestamp: arrival');
    expect(checkPolicy(withFormats(mine, { missing_timestamp: 'arrival' }))).toEqual([]);
  });

  it('accepts $time_iso8601 and $msec as time fields', () => {
    expect(checkPolicy(withFormats({ a: { log_format: '$remote_addr $time_iso8601' }, b: { log_format: '$msec $remote_addr' } }))).toEqual([]);
  });

  it('reports a template that does not compile with its message and position', () => {
    const [p] = checkPolicy(withFormats({ mine: { log_format: '$remote_addr [$time_local] ${status' } }));
    expect(p!.message).toBe('unclosed ${…} (at character 28)');
  });

  it('does not take a format named like an Object.prototype member for a built-in one', () => {
    const [p] = checkPolicy(withFormats({ constructor: {} }));
    expect(p!.message).toBe('format constructor has no log_format');
    expect(checkPolicy(withFormats({ constructor: { log_format: '$remote_addr [$time_local]' } }))).toEqual([]);
  });

  it('rejects input.format naming a format the policy does not define', () => {
    const [p] = checkPolicy(withFormats({}, { format: 'valueOf' }));
    expect(p!.path).toEqual(['input', 'format']);
    expect(p!.message).toBe('unknown format "valueOf"');
  });

  it('accepts input.format naming a custom format', () => {
    expect(checkPolicy(withFormats({ mine: { log_format: '$remote_addr [$time_local]' } }, { format: 'mine' }))).toEqual([]);
  });
});
