/**
 * What a config reload changes, by component name: unchanged sources and
 * sinks keep running, changed ones restart, a source whose format alone
 * changed keeps running with a new line pipeline, a changed per-line policy
 * rebuilds every pipeline, a changed retention window restarts the sinks
 * (they delete by it), and salts/http/run wait for a restart.
 */
import { describe, expect, it } from 'vitest';
import { components } from '../../src/components.js';
import { policySchema, type PolicyConfig } from '../../src/policy/schema.js';
import { planReload } from '../../src/runtime/reload.js';

function policy(over: Record<string, unknown>): PolicyConfig {
  return policySchema.parse({
    sources: [
      { type: 'file', name: 'web', path: '/var/log/nginx/access.log' },
      { type: 'syslog', name: 'hp', port: 5515 },
    ],
    sinks: [{ type: 'file', name: 'out', dir: '/var/log/gallra' }],
    ...over,
  }) as PolicyConfig;
}

describe('planReload', () => {
  it('keeps everything when nothing changed', () => {
    const p = planReload(policy({}), policy({}), components);
    expect(p).toEqual({
      policyChanged: false,
      sources: { keep: ['web', 'hp'], reformat: [], stop: [], start: [] },
      sinks: { keep: ['out'], reformat: [], stop: [], start: [] },
      needRestart: [],
    });
  });

  it('restarts a changed sink and starts a new one, keeping the sources', () => {
    const p = planReload(policy({}), policy({ sinks: [{ type: 'file', name: 'out', dir: '/srv/gallra' }, { type: 'stdout' }] }), components);
    expect(p.sinks).toEqual({ keep: [], reformat: [], stop: ['out'], start: [0, 1] });
    expect(p.sources.keep).toEqual(['web', 'hp']);
  });

  it('restarts a source whose options changed, stops a removed one, and keeps one whose format alone changed', () => {
    const next = policy({ sources: [{ type: 'file', name: 'web', path: '/var/log/nginx/access.log', format: 'json' }] });
    expect(planReload(policy({}), next, components).sources).toEqual({ keep: ['web'], reformat: ['web'], stop: ['hp'], start: [] });
    const moved = policy({ sources: [{ type: 'file', name: 'web', path: '/var/log/nginx/other.log' }, { type: 'syslog', name: 'hp', port: 5515 }] });
    expect(planReload(policy({}), moved, components).sources).toEqual({ keep: ['hp'], reformat: [], stop: ['web'], start: [0] });
  });

  it('rebuilds every pipeline for a changed field policy, restarts sinks for a changed retention window, and names what needs a restart', () => {
    expect(planReload(policy({}), policy({ fields: { http_user_agent: { transform: 'drop' } } }), components).policyChanged).toBe(true);
    const p = planReload(policy({}), policy({ retention: { keep: 'P30D' } }), components);
    expect(p.policyChanged).toBe(true);
    expect(p.sinks.start).toEqual([0]);
    expect(planReload(policy({}), policy({ run: { commit_ms: 500 }, http: { port: 9999 } }), components).needRestart).toEqual(['http', 'run']);
    expect(planReload(policy({}), policy({ audit: { path: '/srv/audit.jsonl' } }), components).needRestart).toEqual(['audit']);
  });
});
