/**
 * Runs the built `gallra` CLI (dist/bundle/main.js, what `bin` installs) as a child process, the way
 * an operator does, and prepares what such runs need: a fresh state directory
 * for the salts, fixtures whose dates are moved to yesterday or today (the CLI
 * reads the real clock, on purpose, so fixed dates would fall out of the
 * retention window as the calendar moves on), and privacy assertions.
 *
 * main.ts runs at import, so it is never imported: every test spawns it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync as zGunzip, gzipSync as zGzip } from 'node:zlib';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The CLI under test; GALLRA_TEST_CLI points the tests at another build (e.g. an older one, to see them fail). */
export const MAIN = process.env.GALLRA_TEST_CLI ?? join(ROOT, 'dist', 'bundle', 'main.js');
export const FIXTURES = join(ROOT, 'fixtures');

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Every dated fixture is written as if logged on this UTC day (fixtures/combined/access.log.2.gz the day before). */
export const FIXTURE_DAY = Date.UTC(2026, 2, 14);

// ---------------------------------------------------------------- build

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds dist/ (tsc, then the esbuild bundle) when the bundled CLI is missing or older than a file
 * in src/ (so `npx vitest run test/cli` works without `npm run build`). Test
 * files run in parallel workers: a lock directory makes one of them build
 * while the others wait for it.
 *
 * @example
 * beforeAll(() => ensureBuilt(), 120_000);
 */
export function ensureBuilt(): void {
  if (process.env.GALLRA_TEST_CLI !== undefined) return;
  const stale = (): boolean => !existsSync(MAIN) || statSync(MAIN).mtimeMs < newestMtime(join(ROOT, 'src'));
  if (!stale()) return;
  const lock = join(tmpdir(), `gallra-build-${Buffer.from(ROOT).toString('hex').slice(-16)}.lock`);
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else is building; a lock older than two minutes is left over from a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 2 * MINUTE) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone meanwhile */
      }
      if (waited > 3 * MINUTE) throw new Error(`build lock ${lock} held for over three minutes`);
      sleepSync(200);
    }
  }
  try {
    if (!stale()) return;
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
    // tsc emits even with type errors (someone else's work in progress); what the tests need is a fresh main.js.
    const b = spawnSync('npm', ['run', 'bundle', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    if (!existsSync(MAIN)) throw new Error(`build failed, no ${MAIN}:\n${r.stdout}${r.stderr}${b.stdout}${b.stderr}`);
    if (r.status !== 0) process.stderr.write(`[test/helpers/cli] tsc reported errors; testing the emitted dist/ anyway:\n${r.stdout}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- temp dirs

/**
 * Temp directories (`os.tmpdir()/gallra-<name>-XXXXXX`) removed by cleanup().
 *
 * @example
 * const tmp = new TempDirs(); afterAll(() => tmp.cleanup()); const dir = tmp.make('cli');
 */
export class TempDirs {
  private readonly dirs: string[] = [];

  make(name = 'cli'): string {
    const d = mkdtempSync(join(tmpdir(), `gallra-${name}-`));
    this.dirs.push(d);
    return d;
  }

  cleanup(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- running

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: Buffer;
}

export interface RunOptions {
  /** GALLRA_STATE_DIR of the child (salts live in `<stateDir>/salts`); required so no test touches a shared keyring. */
  readonly stateDir: string;
  /** Bytes on the child's stdin (default: none, stdin closed). */
  readonly input?: string | Buffer;
  /** Extra environment (GALLRA_LOG_LEVEL, …). */
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

function childEnv(o: RunOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Nothing gallra-specific leaks in from the developer's shell.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GALLRA_') && k !== 'XDG_STATE_HOME') env[k] = v;
  return { ...env, GALLRA_STATE_DIR: o.stateDir, XDG_STATE_HOME: join(o.stateDir, 'xdg'), ...o.env };
}

/**
 * Runs `node dist/bundle/main.js ...args` and waits for it.
 *
 * @example
 * const r = runCli(['anonymise', '--format', 'combined', file], { stateDir });
 * expect(r.status).toBe(0);
 */
export function runCli(args: readonly string[], o: RunOptions): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: o.cwd ?? ROOT,
    env: childEnv(o),
    input: o.input ?? '',
    maxBuffer: 256 << 20,
    timeout: 60_000,
  });
  if (r.error !== undefined) throw r.error;
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), stdoutBytes: r.stdout };
}

/**
 * Like {@link runCli} without blocking, so several processes can run at once.
 *
 * @example
 * const [a, b] = await Promise.all([runCliAsync(args, o), runCliAsync(args, o)]);
 */
export function runCliAsync(args: readonly string[], o: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: o.cwd ?? ROOT, env: childEnv(o), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (status) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ status, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
    child.stdin.end(o.input ?? '');
  });
}

// ---------------------------------------------------------------- time

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** Start (00:00 UTC) of the UTC day of `ms`. */
export function utcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** 00:00 UTC today, by the real clock the CLI reads too. */
export function today(): number {
  return utcDay(Date.now());
}

/** 00:00 UTC yesterday: every time of that day is in the past and inside the retention window. */
export function yesterday(): number {
  return today() - DAY;
}

/** `$time_local` in UTC: `22/Nov/2026:12:00:00 +0000`. */
export function clfTime(ms: number): string {
  const t = new Date(ms);
  return `${pad(t.getUTCDate())}/${MONTHS[t.getUTCMonth()]}/${t.getUTCFullYear()}:${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} +0000`;
}

const CLF_DATE = /\b(\d{2})\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/(\d{4}):/g;
const ISO_DATE = /\b(\d{4})-(\d{2})-(\d{2})T/g;
const EPOCH_SECONDS = /("(?:ts|msec)":)(\d{10})\b/g;

/**
 * Moves every date in a log by whole days so that {@link FIXTURE_DAY} lands on
 * `day` (00:00 UTC of the target day); times of day, zone offsets and every
 * other byte stay as they are. Works on raw bytes (the bad fixtures hold
 * invalid UTF-8): CLF dates `14/Mar/2026:`, ISO dates `2026-03-14T` and epoch
 * seconds in `"ts"`/`"msec"` fields.
 *
 * @example
 * shiftDates(readFileSync('fixtures/combined/access.log'), yesterday())
 */
export function shiftDates(log: Buffer | string, day: number): Buffer {
  const delta = day - FIXTURE_DAY;
  const text = (typeof log === 'string' ? Buffer.from(log) : log).toString('latin1');
  const shifted = text
    .replace(CLF_DATE, (_, d: string, mon: string, y: string) => {
      const t = new Date(Date.UTC(Number(y), MONTHS.indexOf(mon), Number(d)) + delta);
      return `${pad(t.getUTCDate())}/${MONTHS[t.getUTCMonth()]}/${t.getUTCFullYear()}:`;
    })
    .replace(ISO_DATE, (_, y: string, m: string, d: string) => {
      const t = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)) + delta);
      return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T`;
    })
    .replace(EPOCH_SECONDS, (_, key: string, s: string) => `${key}${Number(s) + delta / 1000}`);
  return Buffer.from(shifted, 'latin1');
}

/**
 * A fixture's bytes with its dates moved to `day` (default: yesterday).
 * Gzip fixtures are decompressed first: use {@link gzip} to pack the result again.
 *
 * @example
 * const bytes = fixture('combined/access.log');
 */
export function fixture(rel: string, day: number = yesterday()): Buffer {
  let raw: Buffer = readFileSync(join(FIXTURES, rel));
  if (raw[0] === 0x1f && raw[1] === 0x8b) raw = gunzipSync(raw);
  return shiftDates(raw, day);
}

/**
 * Writes a fixture, dates moved to `day`, into `dir` (under `name`, default the fixture's base name).
 *
 * @example
 * const file = writeFixture(dir, 'common/access.log');
 */
export function writeFixture(dir: string, rel: string, opts: { day?: number; name?: string; gzip?: boolean } = {}): string {
  const bytes = fixture(rel, opts.day);
  const file = join(dir, opts.name ?? rel.replace(/\//g, '-'));
  writeFileSync(file, opts.gzip === true ? gzipSync(bytes) : bytes);
  return file;
}

/** The lines of a text (without the final empty one after a trailing newline). */
export function lines(text: string): string[] {
  if (text === '') return [];
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

// ---------------------------------------------------------------- gzip

export function gzipSync(b: Buffer | string): Buffer {
  return zGzip(typeof b === 'string' ? Buffer.from(b) : b);
}

export function gunzipSync(b: Buffer): Buffer {
  return zGunzip(b);
}

// ---------------------------------------------------------------- privacy

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Where `needle` occurs in `haystack` as a whole token (not as part of a
 * longer number or address: `81.6.12.34` is not found in `181.6.12.345`),
 * case-insensitively; -1 when it does not.
 */
export function findToken(haystack: string, needle: string): number {
  const re = new RegExp(`(?<![0-9A-Za-z._%-])${escapeRe(needle)}(?![0-9A-Za-z_-]|\\.[0-9])`, 'i');
  return haystack.search(re);
}

/**
 * The values of `secrets` that occur in `text` (as whole tokens, or anywhere
 * when `anywhere` is set), each with a little context — for an assertion
 * message that says what leaked and where.
 *
 * @example
 * expect(leaks(r.stdout + r.stderr, ['81.6.12.34', 'alice.lindqvist'])).toEqual([]);
 */
export function leaks(text: string, secrets: readonly string[], anywhere = false): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    const at = anywhere ? text.toLowerCase().indexOf(s.toLowerCase()) : findToken(text, s);
    if (at >= 0) found.push(`${JSON.stringify(s)} in …${JSON.stringify(text.slice(Math.max(0, at - 40), at + s.length + 40))}…`);
  }
  return found;
}

/**
 * The client addresses of a log (the first field of every text line matching
 * `field`, or JSON fields named like addresses), raw, as they were in the input.
 */
export function clientAddresses(log: string): string[] {
  const out = new Set<string>();
  for (const line of lines(log)) {
    const m = /^(?:\S+:\d+ )?([0-9A-Fa-f:.]+) \S+ \S+ \[/.exec(line);
    if (m !== null) out.add(m[1]!);
    for (const j of line.matchAll(/"(?:remote_addr|client_ip|ip|x_forwarded_for|http_x_forwarded_for)":"([^"]*)"/g)) {
      for (const a of j[1]!.split(/,\s*/)) if (/^[0-9A-Fa-f:.]+$/.test(a) && /[.:]/.test(a)) out.add(a);
    }
  }
  return [...out];
}

/** True when an address still has host bits set under the default truncation (/24, /48): it must never be written. */
export function hasHostBits(addr: string): boolean {
  const v4 = /(?:^|:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(addr);
  if (v4 !== null) return v4[4] !== '0';
  // IPv6: anything after the first three groups.
  const [head, tail] = addr.split('::') as [string, string | undefined];
  const groups = head === '' ? [] : head.split(':');
  if (tail === undefined) return groups.slice(3).some((g) => parseInt(g, 16) !== 0);
  if (groups.length > 3) return true;
  return tail !== '' && tail.split(':').some((g) => parseInt(g, 16) !== 0);
}

/** The identifiers planted in fixtures/bad/garbage.log: none may reach any output, scrubbed or not. */
export const GARBAGE_FIXTURE_IDENTIFIERS: readonly string[] = [
  '198.51.100.24',
  'leak.garbage@example.org',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsZWFrIn0.Xk3Jd8sLq2Pm9Rt4Vw7Yz1Ab5Cd0Ef6Gh',
  'sven.leak',
  '203.0.113.199',
  'Gx7Kq2Lm9Pz4Rt8Vw3Ys6Bn1Cd5Fh0Jk',
  '4111 1111 1111 1111',
  '2001:db8:85a3:8d3:1319:8a2e:370:7348',
  '+46 70 765 43 21',
  '19850101-1236',
  '00:1a:2b:3c:4d:5e',
  '192.0.2.201',
];
