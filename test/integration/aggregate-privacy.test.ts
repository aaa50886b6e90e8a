/**
 * The aggregate store holds no identifier: `gallra anonymise` runs over JSON
 * application logs full of addresses, user ids, user names, e-mail addresses
 * and full user agents (in fields, in paths, in query strings), then every
 * cell of every table the database file's catalog lists and of every Parquet
 * file on disk is read back, typed, and checked against its column: times
 * on window boundaries, counts non-negative, dimension values of their
 * dimension's shape, and no string holding the input's addresses (or their
 * truncated prefixes), user ids, user names, e-mail addresses, user agents,
 * or the pseudonyms and visitor ids gallra derived from them (read from its
 * own output). The raw bytes of every file are searched too. Small groups
 * are folded: no row outside `total` describes fewer than k visitors, and a
 * page only two people visited is nowhere. All this while the store does
 * hold visitors, users and paths.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLUMNS, DIMENSIONS, OTHER } from '../../src/stores/aggregates-table.js';
import { ensureBuilt, leaks, MINUTE, runCli, TempDirs } from '../helpers/cli.js';
import { prng, UAS } from '../helpers/traffic.js';

const tmp = new TempDirs();

/** The page of the group below k. */
const RARE = '/members-only-lounge';
const K = 5;
const GROUPINGS = ['total', 'host', 'path_template', 'status,path_template', 'referrer_domain', 'browser,os,device,bot'];

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
  const HOUR = 60 * MINUTE;
  const raw = new Set<string>();
  const lines: string[] = [];
  for (let k = 0; k < 3000; k++) {
    const p = people[Math.floor(people.length * r() * r())]!;
    raw.add(p.ip).add(p.user).add(p.email).add(p.email.split('@')[0]!).add(p.ua);
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
  // A page only two people visited: a group below k, which must be folded into (other), never shown.
  for (let k = 0; k < 6; k++) {
    const p = people[k % 2 === 0 ? 3 : 7]!;
    const time = new Date(Math.floor(now / HOUR) * HOUR - 30 * MINUTE + k * MINUTE).toISOString();
    lines.push(JSON.stringify({ time, client_ip: p.ip, user_id: p.user, email: p.email, method: 'GET', path: RARE, status: 200, bytes: 10, referer: '-', user_agent: p.ua, host: 'www.example.org', message: 'x' }));
  }
  lines.sort((a, b) => (JSON.parse(a) as { time: string }).time.localeCompare((JSON.parse(b) as { time: string }).time));
  // The /24 and /48 prefixes gallra writes into events must not reach aggregates either.
  for (const ip of [...raw].filter((x) => /^\d+\.\d+\.\d+\.\d+$/.test(x))) raw.add(ip.replace(/\.\d+$/, '.0'));
  return { raw: [...raw], lines };
}

/** One table's rows, read back typed (TIMESTAMP → Date, BIGINT → bigint, DOUBLE → number, VARCHAR → string). */
interface Table {
  readonly name: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** Every table the database file's catalog lists, and every Parquet file on disk, each read whole. */
async function tables(db: string, parquetFiles: readonly string[]): Promise<Table[]> {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    await conn.run(`ATTACH '${db}' AS s (READ_ONLY)`);
    const listed = (await conn.runAndReadAll(`SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 's' UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = 's' AND NOT internal`)).getRowsJS();
    const sources = [...listed.map(([schema, name]) => `s."${String(schema)}"."${String(name)}"`), ...parquetFiles.map((f) => `read_parquet('${f}', hive_partitioning = false)`)];
    const out: Table[] = [];
    for (const from of sources) {
      const r = await conn.runAndReadAll(`SELECT * FROM ${from}`);
      out.push({ name: from, columns: r.columnNames(), rows: r.getRowsJS() });
    }
    return out;
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

/** The shape each dimension's values must have (besides the markers `(none)`, `(other)`, `(direct)` …). */
const DIMENSION_SHAPE: Readonly<Record<string, RegExp>> = {
  host: /^[a-z0-9.-]+$/,
  method: /^[A-Z]{1,16}$/,
  status_class: /^[1-5]xx$/,
  status: /^[1-5]\d\d$/,
  path_template: /^\/[^\s?#@]*$/,
  referrer_domain: /^[a-z0-9.-]+\.[a-z]{2,}$/,
  browser: /^[A-Za-z][A-Za-z0-9 .-]{0,30}$/,
  os: /^[A-Za-z][A-Za-z0-9 .-]{0,30}$/,
  device: /^[a-z]{2,12}$/,
  bot: /^(bot|human)$/,
  protocol: /^[A-Z]+\/[0-9.]+$/,
  port_class: /^(well-known|registered|dynamic)$/,
  direction: /^(in|out|mo|mt)$/,
};
const MARKER = /^\([a-z ]{2,20}\)$/;
/** What no string in the store may look like, whatever the input was: an address, an e-mail, a token, a user agent. */
const IDENTIFIER_SHAPES = [/\b\d{1,3}(\.\d{1,3}){3}\b/, /[0-9a-f]{1,4}(:[0-9a-f]{0,4}){3,}/i, /@|%40/, /\b(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{16,}/, /\d{5,}/, /Mozilla|AppleWebKit|KHTML|\(.*;/];

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
  k: ${K}
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

  it('reads every cell of every table (database and Parquet) back as a value of its column, and none holds an identifier', async () => {
    const store = join(dir, 'store');
    const parquet = allFiles(join(store, 'agg-parquet')).filter((f) => f.endsWith('.parquet'));
    expect(parquet.length).toBeGreaterThanOrEqual(3);
    const all = await tables(join(store, 'agg.duckdb'), parquet);
    // The catalog lists the three tables and nothing else (no sketch, no visitor list beside them).
    expect(all.filter((t) => t.name.startsWith('s.')).map((t) => t.name).sort()).toEqual(['s."main"."aggregates"', 's."main"."aggregates_day"', 's."main"."aggregates_month"']);
    const secretsAll = [...secrets.raw, ...derived];
    let cells = 0;
    const problems: string[] = [];
    for (const t of all) {
      expect(t.columns, t.name).toEqual(COLUMNS.map(([c]) => c));
      expect(t.rows.length, t.name).toBeGreaterThan(0);
      for (const row of t.rows) {
        const v = Object.fromEntries(t.columns.map((c, i) => [c, row[i]]));
        for (const [name, type, nullable] of COLUMNS) {
          const x = v[name];
          cells++;
          if (x === null) {
            if (!nullable) problems.push(`${t.name}.${name}: NULL`);
            continue;
          }
          if (type === 'TIMESTAMP') {
            if (!(x instanceof Date) || x.getTime() % (60 * MINUTE) !== 0) problems.push(`${t.name}.${name}: not a window boundary`);
          } else if (type === 'BIGINT') {
            if (typeof x !== 'bigint' || x < 0n) problems.push(`${t.name}.${name}: not a count`);
          } else if (type === 'DOUBLE') {
            if (typeof x !== 'number' || !(x >= 0)) problems.push(`${t.name}.${name}: not a latency`);
          } else if (typeof x !== 'string') {
            problems.push(`${t.name}.${name}: not text`);
          } else {
            // The value parses as its column's (a grouping set's name, a dimension value of that dimension's shape) …
            if (name === 'grouping' ? !GROUPINGS.includes(x) : !(MARKER.test(x) || DIMENSION_SHAPE[name]!.test(x))) problems.push(`${t.name}.${name}: ${JSON.stringify(x)} is not of its shape`);
            // … looks like no identifier, and is none of the input's.
            for (const re of IDENTIFIER_SHAPES) if (re.test(x)) problems.push(`${t.name}.${name}: ${JSON.stringify(x)} looks like an identifier (${re})`);
            problems.push(...leaks(x, secretsAll, true).map((l) => `${t.name}.${name}: ${l}`));
          }
        }
        // A row's dimensions are exactly its grouping set's (NULL elsewhere), all (other) or none.
        const set = String(v.grouping).split(',').filter((d) => d !== 'total');
        for (const d of DIMENSIONS) if ((v[d] !== null) !== set.includes(d)) problems.push(`${t.name}: ${d} ${v[d] === null ? 'missing' : 'present'} in a ${String(v.grouping)} row`);
        const others = set.filter((d) => v[d] === OTHER).length;
        if (others !== 0 && others !== set.length) problems.push(`${t.name}: a ${String(v.grouping)} row partly (other)`);
      }
    }
    expect(problems).toEqual([]);
    expect(cells).toBeGreaterThan(1000);
  });

  it('folds every group below k: no row outside total describes fewer than k visitors, and the page two people visited is in no row', async () => {
    const store = join(dir, 'store');
    const all = await tables(join(store, 'agg.duckdb'), allFiles(join(store, 'agg-parquet')).filter((f) => f.endsWith('.parquet')));
    let folded = 0;
    for (const t of all) {
      const col = (name: string): number => t.columns.indexOf(name);
      const totals = new Map<number, bigint>();
      for (const r of t.rows) if (r[col('grouping')] === 'total') totals.set((r[col('window_start')] as Date).getTime(), r[col('visitors')] as bigint);
      for (const r of t.rows) {
        const grouping = r[col('grouping')] as string;
        if (grouping === 'total') continue;
        const visitors = r[col('visitors')] as bigint;
        const isOther = grouping.split(',').every((d) => r[col(d)] === OTHER);
        if (isOther) folded++;
        // Below k only when the whole window is: then everything of the set is in its one (other) row.
        if (visitors < BigInt(K)) expect({ table: t.name, grouping, isOther, visitors, all: totals.get((r[col('window_start')] as Date).getTime()) }).toEqual({ table: t.name, grouping, isOther: true, visitors, all: visitors });
        expect(r[col('path_template')], t.name).not.toBe(RARE);
      }
    }
    expect(folded).toBeGreaterThan(0);
  });

  it('finds none of them in the raw bytes of any file the store wrote', () => {
    for (const f of allFiles(join(dir, 'store'))) {
      const text = readFileSync(f).toString('latin1');
      expect(leaks(text, [...secrets.raw, ...derived], true), f).toEqual([]);
    }
  });
});
