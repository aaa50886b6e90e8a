/**
 * Traffic metadata end to end: `gallra anonymise` over VPC flow log records
 * with a policy whose aggregates group by direction, protocol and port
 * class fills the store with exactly the rows the flows make — ingress and
 * egress as `in`/`out`, IP protocol numbers by name, the server port as a
 * class and never a number — and holds a rare protocol to k like any other
 * group.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, HOUR, MINUTE, runCli, TempDirs } from '../helpers/cli.js';

const tmp = new TempDirs();
const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';

interface Flow {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly proto: number;
  readonly dir: 'ingress' | 'egress';
}

/** The flows of one hour (see the expectations below for what they add up to). */
function flows(): Flow[] {
  const out: Flow[] = [];
  const client = (i: number): string => `198.51.100.${i}`;
  for (let i = 1; i <= 40; i++) for (let k = 0; k < 3; k++) out.push({ src: client(i), dst: '172.31.16.139', sport: 40_000 + i * 10 + k, dport: 443, proto: 6, dir: 'ingress' });
  for (let i = 1; i <= 20; i++) out.push({ src: client(i), dst: '172.31.0.2', sport: 33_000 + i, dport: 53, proto: 17, dir: 'ingress' });
  for (let i = 21; i <= 30; i++) for (let k = 0; k < 2; k++) out.push({ src: client(i), dst: '172.31.16.139', sport: 45_000 + i * 10 + k, dport: 8080, proto: 6, dir: 'ingress' });
  // Responses leaving four instances towards clients' ephemeral ports.
  for (let s = 10; s < 14; s++) for (let k = 0; k < 5; k++) out.push({ src: `172.31.16.${s}`, dst: client(k + 1), sport: 443, dport: 50_000 + s * 100 + k, proto: 6, dir: 'egress' });
  // Two rare protocols, two sources each: below k on their own, (other) together.
  for (const [i, proto] of [[201, 47], [202, 47], [203, 50], [204, 50]] as const) for (let k = 0; k < 2; k++) out.push({ src: client(i), dst: '172.31.16.139', sport: 0, dport: 0, proto, dir: 'ingress' });
  return out;
}

interface Row {
  grouping: string;
  direction: string | null;
  protocol: string | null;
  port_class: string | null;
  requests: number;
  visitors: number;
}

describe('aggregates over VPC flow logs: direction, protocol, port class', () => {
  let dir: string;
  let rows: Row[];

  beforeAll(() => {
    ensureBuilt();
    dir = tmp.make('aggflow');
    // Inside the previous hour, so all flows fall into one PT1H window.
    const base = Math.floor(Date.now() / HOUR) * HOUR - HOUR + 2 * MINUTE;
    const f = flows();
    const lines = f.map((x, n) => {
      const t = Math.floor((base + Math.floor((n / f.length) * 50 * MINUTE)) / 1000);
      return `5 123456789010 eni-1235b8ca123456789 ${x.src} ${x.dst} ${x.sport} ${x.dport} ${x.proto} 10 ${1000 + n} ${t} ${t + 30} ACCEPT OK ${x.dir}`;
    });
    writeFileSync(join(dir, 'flows.log'), [HEADER, ...lines].join('\n') + '\n');
    writeFileSync(
      join(dir, 'site.yaml'),
      `input: { format: vpcflow }
aggregates:
  k: 3
  groupings: [total, [direction], [protocol], [port_class], [direction, protocol, port_class]]
  store: { type: duckdb, path: store/agg.duckdb, threads: 1 }
`,
    );
    const r = runCli(['anonymise', '--config', join(dir, 'site.yaml'), join(dir, 'flows.log')], { stateDir: join(dir, 'state') });
    expect(r.status, r.stderr).toBe(0);
    const q = runCli(
      ['query', '--config', join(dir, 'site.yaml'), '--format', 'json', `SELECT "grouping", direction, protocol, port_class, CAST(requests AS INTEGER) AS requests, CAST(visitors AS INTEGER) AS visitors FROM aggregates`],
      { stateDir: join(dir, 'state') },
    );
    expect(q.status, q.stderr).toBe(0);
    rows = JSON.parse(q.stdout) as Row[];
  }, 180_000);
  afterAll(() => tmp.cleanup());

  /** A set's rows as `values → [requests, visitors]`. */
  function set(grouping: string): Record<string, [number, number]> {
    const dims = grouping === 'total' ? [] : (grouping.split(',') as ('direction' | 'protocol' | 'port_class')[]);
    return Object.fromEntries(rows.filter((r) => r.grouping === grouping).map((r) => [dims.map((d) => r[d]).join(' ') || 'total', [r.requests, r.visitors]]));
  }

  it('groups flows by direction (the source address is the visitor, so egress counts the instances that sent)', () => {
    expect(set('total')).toEqual({ total: [188, 48] });
    expect(set('direction')).toEqual({ in: [168, 44], out: [20, 4] });
  });

  it('names IP protocol numbers and folds the rare ones into (other), each set adding up to the total', () => {
    expect(set('protocol')).toEqual({ TCP: [160, 44], UDP: [20, 20], '(other)': [8, 4] });
  });

  it('classes the server port (0: none) and never stores a port number', () => {
    expect(set('port_class')).toEqual({ 'well-known': [140, 40], registered: [20, 10], dynamic: [20, 4], '(none)': [8, 4] });
    expect(set('direction,protocol,port_class')).toEqual({
      'in TCP well-known': [120, 40],
      'in UDP well-known': [20, 20],
      'in TCP registered': [20, 10],
      'out TCP dynamic': [20, 4],
      '(other) (other) (other)': [8, 4],
    });
    for (const r of rows) for (const v of [r.direction, r.protocol, r.port_class]) expect(v ?? '').not.toMatch(/\d{2,}/);
  });
});
