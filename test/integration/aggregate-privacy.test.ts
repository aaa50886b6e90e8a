/**
 * The aggregate store holds no identifier: `gallra anonymise` runs over JSON
 * application logs full of addresses, user ids and e-mail addresses (in
 * fields, in paths, in query strings), then every table of the database
 * file, every string of every Parquet partition, and the raw bytes of every
 * file the store wrote are searched for the input's addresses (and their
 * truncated prefixes), user ids, e-mail addresses, and the pseudonyms and
 * visitor ids gallra derived from them (read from its own output). None may
 * be there — while the store does hold visitors, users and paths.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, leaks, MINUTE, runCli, TempDirs } from '../helpers/cli.js';
import { prng, UAS } from '../helpers/traffic.js';

const tmp = new TempDirs();

interface Secrets {
  readonly raw: string[];
  readonly lines: string[];
}

/** Requests from 120 people over the last hour, with their identities everywhere a log puts them. */
function input(now: number): Secrets {
  const r = prng(77);
  const people = Array.from({ length: 120 }, (_, i) => ({
    ip: i % 4 === 0 ? `2001:db8:77:${i.toString(16)}::${(i * 13).toString(16)}` : `198.51.${100 + (i % 3)}.${i + 2}`,
    user: `u-${10_000 + i * 37}`,
    email: `person${i}.lindqvist@example.se`,
    ua: UAS[i % UAS.length]!,
  }));
  const raw = new Set<string>();
  const lines: string[] = [];
  for (let k = 0; k < 3000; k++) {
    const p = people[Math.floor(people.length * r() * r())]!;
    raw.add(p.ip).add(p.user).add(p.email);
    const time = new Date(now - 60 * MINUTE + Math.floor((k / 3000) * 55 * MINUTE)).toISOString();
    const kind = r();
    const path =
      kind < 0.3 ? `/account/${p.user.slice(2)}/orders` : kind < 0.4 ? `/profile/${p.email}` : kind < 0.5 ? `/search?q=${encodeURIComponent(p.email)}&page=2` : kind < 0.52 ? `/users/${p.email.split('@')[0]}/settings` : ['/', '/about', '/pricing'][k % 3]!;
    lines.push(
      JSON.stringify({
        time,
        client_ip: p.ip,
        user_id: p.user,
        email: p.email,
        method: 'GET',
        path,
        status: kind < 0.45 ? 200 : 404,
        bytes: 100 + k,
        referer: k % 5 === 0 ? `https://mail.example.se/?to=${p.email}` : '-',
        user_agent: p.ua,
        host: 'www.example.org',
        message: `login by ${p.email} from ${p.ip}`,
      }),
    );
  }
  // The /24 and /48 prefixes gallra writes into events must not reach aggregates either.
  for (const ip of [...raw].filter((x) => /^\d+\.\d+\.\d+\.\d+$/.test(x))) raw.add(ip.replace(/\.\d+$/, '.0'));
  return { raw: [...raw], lines };
}

/** Every string in every table of a DuckDB source (the database file or the Parquet partitions). */
async function strings(setup: (sql: (q: string) => Promise<unknown>) => Promise<string[]>): Promise<string[]> {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    const tables = await setup((q) => conn.run(q));
    const out: string[] = [];
    for (const t of tables) {
      const rows = (await conn.runAndReadAll(`SELECT * FROM ${t}`)).getRowsJS();
      for (const row of rows) for (const v of row) if (typeof v === 'string') out.push(v);
    }
    return out;
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('the aggregate store holds no identifier', () => {
  let dir: string;
  let secrets: Secrets;
  let derived: string[];

  beforeAll(() => {
    ensureBuilt();
    dir = tmp.make('aggpriv');
    secrets = input(Date.now());
    writeFileSync(join(dir, 'app.log'), secrets.lines.join('\n') + '\n');
    writeFileSync(
      join(dir, 'site.yaml'),
      `input: { format: json }
fields: { email: pseudonymise }
aggregates:
  k: 5
  groupings: [total, [host], [path_template], [status, path_template], [referrer_domain], [browser, os, device, bot]]
  store: { type: duckdb, path: store/agg.duckdb, threads: 1 }
`,
    );
    const r = runCli(['anonymise', '--config', join(dir, 'site.yaml'), join(dir, 'app.log')], { stateDir: join(dir, 'state') });
    expect(r.status, r.stderr).toBe(0);
    // What gallra derived from the identities, as it wrote them into events.
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    derived = [...new Set(out.flatMap((o) => [o.user_id, o.email, o.visitor_id]).filter((v): v is string => typeof v === 'string' && v.length >= 16))];
    expect(derived.length).toBeGreaterThan(200);
  }, 180_000);
  afterAll(() => tmp.cleanup());

  it('has counted the visitors, users and paths (so the searches below are not vacuous)', async () => {
    const r = runCli(['query', '--config', join(dir, 'site.yaml'), '--format', 'json', `SELECT CAST(sum(visitors) AS BIGINT) AS v, CAST(sum(users) AS BIGINT) AS u, count(DISTINCT path_template) AS p FROM aggregates WHERE "grouping" IN ('total', 'path_template')`], { stateDir: join(dir, 'state') });
    expect(r.status, r.stderr).toBe(0);
    const [row] = JSON.parse(r.stdout) as { v: number; u: number; p: number }[];
    expect(row!.v).toBeGreaterThan(50);
    expect(row!.u).toBeGreaterThan(50);
    expect(row!.p).toBeGreaterThan(3);
  });

  it('finds none of them in any string of any table of the database file', async () => {
    const db = join(dir, 'store', 'agg.duckdb');
    const found = await strings(async (run) => {
      await run(`ATTACH '${db}' AS s (READ_ONLY)`);
      return ['s.aggregates', 's.aggregates_day', 's.aggregates_month'];
    });
    expect(found.length).toBeGreaterThan(100);
    expect(leaks(found.join('\n'), [...secrets.raw, ...derived], true)).toEqual([]);
  });

  it('finds none of them in any string of any Parquet partition', async () => {
    const pq = join(dir, 'store', 'agg-parquet');
    const found = await strings(async () => ['aggregates', 'aggregates_day', 'aggregates_month'].map((t) => `read_parquet('${join(pq, t)}/*/*.parquet')`));
    expect(found.length).toBeGreaterThan(100);
    expect(leaks(found.join('\n'), [...secrets.raw, ...derived], true)).toEqual([]);
  });

  it('finds none of them in the raw bytes of any file the store wrote', () => {
    for (const f of allFiles(join(dir, 'store'))) {
      const text = readFileSync(f).toString('latin1');
      expect(leaks(text, [...secrets.raw, ...derived], true), f).toEqual([]);
    }
  });
});
