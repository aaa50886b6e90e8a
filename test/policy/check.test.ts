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
  return policySchema.parse({ ...defaults, input: { ...defaults.input, ...input }, formats: { ...defaults.formats, ...formats } });
}

describe('checkPolicy', () => {
  it('finds nothing wrong with the defaults', () => {
    expect(checkPolicy(defaults)).toEqual([]);
  });

  it('rejects log_format and extra_fields on json', () => {
    const problems = checkPolicy(withFormats({ json: { log_format: '$a [$time_local]', extra_fields: ['x'] } }));
    expect(problems.map((p) => p.path.join('.'))).toEqual(['formats.json.log_format', 'formats.json.extra_fields']);
    expect(problems[0]!.message).toBe('json lines have no log_format');
  });

  it('rejects timestamp_fields and visitor_id on a text format', () => {
    const problems = checkPolicy(withFormats({ common: { timestamp_fields: ['t'], visitor_id: 'v' } }));
    expect(problems.map((p) => p.path.join('.'))).toEqual(['formats.common.timestamp_fields', 'formats.common.visitor_id']);
    expect(problems[0]!.fix).toContain('$time_local');
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
