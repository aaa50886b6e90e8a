/**
 * Helpers for `gallra run` tests: the built CLI as a long-running child
 * (started, signalled and always reaped by the test), free loopback ports,
 * numbered access-log lines stamped by the real clock (the CLI reads it),
 * the union of a file sink's daily files, and Prometheus text.
 *
 * Every child started here is tracked; `killAll()` in afterEach SIGKILLs
 * whatever a failed test left running.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { MAIN, ROOT } from './cli.js';
import { until as waitUntil } from './wait.js';

/**
 * {@link waitUntil} with the longer default these tests need (a child process starts).
 *
 * @example
 * await until(() => existsSync(file), `${file} to appear`);
 */
export function until(cond: () => boolean, what: string | (() => string), ms = 10_000): Promise<void> {
  return waitUntil(cond, what, ms);
}

/**
 * Resolves after `ms`.
 *
 * @example
 * await sleep(100); // let the writer go on while gallra is down
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A port that was free on 127.0.0.1 a moment ago (bound to 0, read, closed),
 * for configs that must name the port (nginx's `syslog:server=`).
 *
 * @example
 * const port = await freePort('udp');
 */
export async function freePort(kind: 'tcp' | 'udp' | 'both' = 'tcp'): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const p = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(p));
      });
    });
    if (kind === 'tcp') return port;
    // The same number must be free for UDP too.
    const ok = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
    if (attempt > 20) throw new Error('no port free for both TCP and UDP');
  }
}

// ---------------------------------------------------------------- the child

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Gallra {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** Everything the child wrote to stderr (pino JSON) so far. */
  stderr(): string;
  stdout(): string;
  /** Resolves when the child has exited. */
  readonly exited: Promise<ExitStatus>;
  /** Resolves once stderr has a line matching `re`; rejects if the child exits first or after `ms`. */
  waitForLog(re: RegExp, ms?: number): Promise<void>;
  /** Resolves with the first match of `re` on stdout; rejects if the child exits first or after `ms`. */
  waitForOutput(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** Sends `signal` and waits for the exit; SIGKILLs and rejects if it takes longer than `ms`. */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<ExitStatus>;
}

const children = new Set<Gallra>();

/**
 * SIGKILLs and reaps every child still running (afterEach / afterAll).
 *
 * @example
 * afterEach(() => killAll());
 */
export async function killAll(): Promise<void> {
  const left = [...children];
  children.clear();
  for (const g of left) if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill('SIGKILL');
  await Promise.all(left.map((g) => g.exited));
}

export interface StartOptions {
  /** GALLRA_STATE_DIR of the child: salts and checkpoints. */
  readonly stateDir: string;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** Extra arguments after `run --config FILE`. */
  readonly args?: readonly string[];
}

/**
 * Starts `gallra run --config <config>` as a child.
 *
 * @example
 * const g = startGallra(cfg, { stateDir }); await g.waitForLog(/gallra run started/);
 * expect((await g.stop('SIGTERM')).code).toBe(0);
 */
export function startGallra(config: string, o: StartOptions): Gallra {
  return spawnGallra(['run', '--config', config, ...(o.args ?? [])], o);
}

/**
 * Starts `gallra <argv…>` as a child (any command: serve, query …), tracked
 * like {@link startGallra} (killAll reaps it).
 *
 * @example
 * const g = spawnGallra(['serve', '--config', cfg, '--port', '0'], { stateDir });
 * await g.waitForOutput(/dashboard at (\S+)/);
 */
export function spawnGallra(argv: readonly string[], o: StartOptions): Gallra {
  const env: NodeJS.ProcessEnv = {};
  // Nothing gallra-specific leaks in from the developer's shell.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GALLRA_') && k !== 'XDG_STATE_HOME') env[k] = v;
  Object.assign(env, { GALLRA_STATE_DIR: o.stateDir, XDG_STATE_HOME: join(o.stateDir, 'xdg') }, o.env);
  const child = spawn(process.execPath, [MAIN, ...argv], { cwd: o.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  const waiters = new Set<() => void>();
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString('utf8');
    for (const w of waiters) w();
  });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    for (const w of waiters) w();
  });
  const exited = new Promise<ExitStatus>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const w of waiters) w();
      resolve({ code, signal });
    });
    // A spawn failure still "exits" for the test's purposes.
    child.on('error', () => resolve({ code: null, signal: null }));
  });
  const g: Gallra = {
    child,
    pid: child.pid!,
    stderr: () => err,
    stdout: () => out,
    exited,
    waitForLog(re: RegExp, ms = 15_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${re} on gallra's stderr:\n${err}`)), ms);
        const check = (): void => {
          if (re.test(err)) done();
          else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`gallra exited (${child.exitCode ?? child.signalCode}) before ${re}:\n${err}`));
        };
        const done = (e?: Error): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (e === undefined) resolve();
          else reject(e);
        };
        waiters.add(check);
        check();
      });
    },
    waitForOutput(re: RegExp, ms = 15_000): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${re} on gallra's stdout:\n${out}\n${err}`)), ms);
        const check = (): void => {
          const m = re.exec(out);
          if (m !== null) done(undefined, m);
          else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`gallra exited (${child.exitCode ?? child.signalCode}) before ${re}:\n${err}`));
        };
        const done = (e?: Error, m?: RegExpExecArray): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (e === undefined) resolve(m!);
          else reject(e);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', ms = 15_000): Promise<ExitStatus> {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
      const r = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (r === 'late') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`gallra did not exit within ${ms} ms of ${signal}:\n${err}`);
      }
      return r;
    },
  };
  children.add(g);
  void exited.then(() => children.delete(g));
  return g;
}

/**
 * Starts gallra and waits for its "started" log line.
 *
 * @example
 * const g = await startedGallra(cfg, { stateDir });
 */
export async function startedGallra(config: string, o: StartOptions): Promise<Gallra> {
  const g = startGallra(config, o);
  await g.waitForLog(/"msg":"gallra run started"/);
  return g;
}

// ---------------------------------------------------------------- input lines

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * `$time_local` in UTC of `ms`.
 *
 * @example
 * clf(Date.UTC(2026, 10, 22, 12)) // '22/Nov/2026:12:00:00 +0000'
 */
export function clf(ms: number): string {
  const t = new Date(ms);
  return `${pad(t.getUTCDate())}/${MONTHS[t.getUTCMonth()]}/${t.getUTCFullYear()}:${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} +0000`;
}

/**
 * Combined line number `n`, stamped a few minutes ago (inside the retention
 * window by the real clock), identified by `/n/<000123>` — a path gallra does
 * not redact — with a client address gallra must truncate. Every line with
 * the same `stamp` has the same length.
 *
 * @example
 * numberedLine(123) // '81.6.12.34 - - [22/Nov/2026:11:57:00 +0000] "GET /n/000123 HTTP/1.1" 200 5 "-" "curl/8.5.0"'
 */
export function numberedLine(n: number, stamp: number = Date.now() - 3 * 60_000): string {
  return `81.6.12.34 - - [${clf(stamp)}] "GET /n/${pad(n, 6)} HTTP/1.1" 200 5 "-" "curl/8.5.0"`;
}

/**
 * Lines `from` .. `to - 1`, newline-terminated.
 *
 * @example
 * appendFileSync(log, numberedLines(0, 100, stamp));
 */
export function numberedLines(from: number, to: number, stamp?: number): string {
  let s = '';
  for (let n = from; n < to; n++) s += numberedLine(n, stamp) + '\n';
  return s;
}

/**
 * The union of a file sink's daily files (`<prefix>-YYYY-MM-DD.log`, in
 * day order): a test stamped near midnight may span two days.
 *
 * @example
 * idCounts(readOutput(join(dir, 'out'))).size // lines written so far
 */
export function readOutput(dir: string, prefix = 'access'): string {
  if (!existsSync(dir)) return '';
  const re = new RegExp(`^${prefix}-\\d{4}-\\d{2}-\\d{2}\\.log$`);
  return readdirSync(dir)
    .filter((f) => re.test(f))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');
}

/**
 * How often each `/n/<id>` occurs in `text`.
 *
 * @example
 * idCounts('… "GET /n/000007 HTTP/1.1" …').get(7) // 1
 */
export function idCounts(text: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const m of text.matchAll(/ \/n\/(\d{6}) /g)) {
    const id = Number(m[1]);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/**
 * Ids in [from, n) missing from `counts`.
 *
 * @example
 * expect(missingIds(idCounts(out), 1000)).toEqual([]);
 */
export function missingIds(counts: ReadonlyMap<number, number>, n: number, from = 0): number[] {
  const out: number[] = [];
  for (let i = from; i < n; i++) if (!counts.has(i)) out.push(i);
  return out;
}

/**
 * Ids occurring more than once, with their counts.
 *
 * @example
 * expect(duplicateIds(idCounts(out))).toEqual([]);
 */
export function duplicateIds(counts: ReadonlyMap<number, number>): [number, number][] {
  return [...counts].filter(([, c]) => c > 1).sort((a, b) => a[0] - b[0]);
}

// ---------------------------------------------------------------- HTTP

/**
 * A GET to 127.0.0.1, resolving to status and body.
 *
 * @example
 * const { status, body } = await httpGet(port, '/metrics');
 */
export function httpGet(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string; contentType: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, contentType: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.end();
  });
}

/**
 * The value of a sample in Prometheus text, by name and exact labels; undefined when absent.
 *
 * @example
 * metric(text, 'gallra_lines_read_total', { source: 'nginx' }) // 42
 */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = (m[2] ?? '')
      .split(/,(?=[a-zA-Z_]+=)/)
      .filter((x) => x !== '')
      .sort()
      .join(',');
    if (have === want) return Number(m[3]);
  }
  return undefined;
}
