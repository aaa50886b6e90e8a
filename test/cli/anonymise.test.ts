/**
 * `gallra anonymise` end to end: the built CLI as a child process over the
 * sample logs in fixtures/ (dates moved to yesterday/today at test time, since
 * the CLI reads the real clock), checked line for line against its input and
 * for every identifier of the input in everything it printed.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clfTime,
  clientAddresses,
  DAY,
  ensureBuilt,
  fixture,
  FIXTURES,
  GARBAGE_FIXTURE_IDENTIFIERS,
  gzipSync,
  hasHostBits,
  leaks,
  lines,
  runCli,
  TempDirs,
  today,
  writeFixture,
  yesterday,
} from '../helpers/cli.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => tmp.cleanup());

/** Identifiers in the fixtures other than client addresses: none may appear in anything gallra prints. */
const IDENTIFIERS = {
  users: ['alice.lindqvist', 'bob_svensson', 'k.nilsson', 'hanna.ek', 'frida.holm', 'gustav.e', 'ident_user', 'u-88213', 's-7f3e9a1c2b4d', 'sess_c0ffee00deadbeef1234567890'],
  emails: [
    'karin.berg@example.se',
    'karin.berg%40example.se',
    'erik.johansson@example.org',
    'frida.holm%40kth.example',
    'olof.p%40example.com',
    'alice.lindqvist%40example.se',
  ],
  tokens: [
    'Zq8XrT2mVw9LpK4sJd7Ny3Hb6Fc1Ge5A',
    '5f1c9e0a7b3d4e2f8a6c1b0d9e7f3a2c5b4d6e8f',
    '8b1f7c2e-4d3a-4e9b-a5c6-0f1e2d3c4b5a',
    's3cretpw',
    'AKIAIOSFODNN7EXAMPLEKEY0',
    'c0ffee00deadbeef1234567890abcdef',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqb2hhbi5rIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk',
    '4111111111111111',
  ],
  numbers: ['%2B46701234567', '+46701234567', '070-123%2045%2067', '+46 70 123 45 67', '19850101-1236'],
  // Addresses that are not the client's: X-Forwarded-For entries and ones inside messages and nested objects.
  addresses: ['10.20.30.40', '203.0.113.77', '10.1.2.3', '10.0.0.12', '85.229.3.201', '193.10.250.77'],
};
const ALL_IDENTIFIERS = Object.values(IDENTIFIERS).flat();

const TEXT_FIXTURES = ['combined/access.log', 'combined/access.log.2.gz', 'common/access.log', 'vhost/access.log'] as const;
const JSON_FIXTURES = ['json/app.log', 'json/nginx-escape-json.log'] as const;
const ALL_FIXTURES = [...TEXT_FIXTURES, ...JSON_FIXTURES];

/** Every client address of every fixture that still has host bits: none may be printed. */
function rawAddresses(): string[] {
  const all = ALL_FIXTURES.flatMap((f) => clientAddresses(fixture(f).toString('utf8')));
  const raw = [...new Set([...all, ...IDENTIFIERS.addresses])].filter(hasHostBits);
  // The embedded IPv4 of a mapped address on its own, too.
  return [...raw, ...raw.filter((a) => a.startsWith('::ffff:')).map((a) => a.slice(7))];
}

/** The default truncation (IPv4 /24, IPv6 /48), computed with ipaddr.js as the reference. */
function truncated(addr: string): string {
  if (addr.startsWith('::ffff:') && addr.includes('.')) return `::ffff:${truncated(addr.slice(7))}`;
  if (ipaddr.IPv4.isValidFourPartDecimal(addr)) return addr.replace(/\.\d+$/, '.0');
  const parts = ipaddr.IPv6.parse(addr).parts.map((p, i) => (i < 3 ? p : 0));
  return new ipaddr.IPv6(parts).toString();
}

interface ClfLine {
  vhost: string | undefined;
  addr: string;
  logname: string;
  user: string;
  time: string;
  request: string;
  status: string;
  bytes: string;
  referer: string | undefined;
  ua: string | undefined;
  rest: string | undefined;
}

const CLF_RE = /^(?:(\S+:\d+) )?(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\S+)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"(.*))?$/;

function parseClf(line: string): ClfLine {
  const m = CLF_RE.exec(line);
  if (m === null) throw new Error(`not a CLF line: ${line}`);
  return { vhost: m[1], addr: m[2]!, logname: m[3]!, user: m[4]!, time: m[5]!, request: m[6]!, status: m[7]!, bytes: m[8]!, referer: m[9], ua: m[10], rest: m[11] };
}

const PSEUDONYM = /^[A-Za-z0-9_-]{22}$/;
const holdsIdentifier = (s: string): boolean => ALL_IDENTIFIERS.some((id) => s.toLowerCase().includes(id.toLowerCase()));
/** A query value whose name is not on the built-in allow-list: replaced whether or not it holds an identifier (query: allow-list). */
const failsClosed = (s: string): boolean => /[?&](?!(?:page|per_page|limit|offset|sort|order|lang|locale|format|v|ref|type|category|utm_[a-z]+)=)[^=&\s]+=[^&\s"]/.test(s);

/**
 * Checks one anonymised text line against its input: the fields the default
 * policy keeps are byte-identical, the others changed the way the policy says.
 */
function expectSameShape(input: string, output: string): void {
  const a = parseClf(input);
  const b = parseClf(output);
  const where = `\n  in:  ${input}\n  out: ${output}`;
  expect(b.vhost, `host:port is kept${where}`).toBe(a.vhost);
  expect(b.addr, `client address truncated${where}`).toBe(truncated(a.addr));
  expect(b.logname, `remote_logname dropped${where}`).toBe('-');
  if (a.user === '-') expect(b.user, where).toBe('-');
  else expect(b.user, `remote_user pseudonymised${where}`).toMatch(PSEUDONYM);
  expect(b.time, `time kept byte for byte${where}`).toBe(a.time);
  expect(b.status, where).toBe(a.status);
  expect(b.bytes, where).toBe(a.bytes);
  if (holdsIdentifier(a.request) || failsClosed(a.request)) expect(b.request, `request redacted${where}`).not.toBe(a.request);
  else expect(b.request, `request without identifiers kept${where}`).toBe(a.request);
  expect(b.referer === undefined, where).toBe(a.referer === undefined);
  if (a.referer !== undefined) {
    if (holdsIdentifier(a.referer) || failsClosed(a.referer)) expect(b.referer, where).not.toBe(a.referer);
    else expect(b.referer, `referer without identifiers kept${where}`).toBe(a.referer);
    if (a.ua === '-') expect(b.ua, where).toBe('-');
    // Generalised: family and major version only, no build numbers to fingerprint with.
    else expect(b.ua, `user agent generalised${where}`).not.toMatch(/\d+\.\d+\.\d+/);
    // Appended X-Forwarded-For: every address truncated, the list kept.
    const xff = /^ "([^"]*)"$/.exec(a.rest ?? '');
    if (xff !== null) expect(b.rest, where).toBe(` "${xff[1]!.split(', ').map(truncated).join(', ')}"`);
    else expect(b.rest, where).toBe(a.rest);
  }
}

/** Nothing the input identifies anyone by appears in `text`. */
function expectNoIdentifiers(text: string, label: string): void {
  expect(leaks(text, rawAddresses()), `raw client addresses in ${label}`).toEqual([]);
  expect(leaks(text, ALL_IDENTIFIERS, true), `identifiers in ${label}`).toEqual([]);
}

/** A log's CLF timestamps replaced by today 00:00:00, 00:00:01, …: today's epoch, never beyond max_future. */
function stampedToday(log: Buffer): Buffer {
  let i = 0;
  const t0 = today();
  return Buffer.from(log.toString('latin1').replace(/\[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]/g, () => `[${clfTime(t0 + i++ * 1000)}]`), 'latin1');
}

function parseStats(stderr: string): { in: number; out: number; dropped: Record<string, number> } {
  const m = /gallra: (\d+) lines? in, (\d+) out(?:, \d+ scrubbed)?, (\d+) dropped(?: \(([^)]*)\))?/.exec(stderr);
  if (m === null) throw new Error(`no stats line in stderr:\n${stderr}`);
  const dropped: Record<string, number> = {};
  for (const part of (m[4] ?? '').split(', ').filter(Boolean)) {
    const [reason, n] = part.split(' ');
    dropped[reason!] = Number(n);
  }
  return { in: Number(m[1]), out: Number(m[2]), dropped };
}

describe('gallra anonymise', () => {
  it('the privacy checks are not vacuous: every identifier they look for is in the raw fixtures', () => {
    const raw = ALL_FIXTURES.map((f) => fixture(f).toString('utf8')).join('\n');
    for (const id of ALL_IDENTIFIERS) expect(leaks(raw, [id], true), id).toHaveLength(1);
    for (const addr of rawAddresses()) expect(leaks(raw, [addr]), addr).toHaveLength(1);
    expect(rawAddresses().length).toBeGreaterThan(25);
  });

  it('anonymises a combined log line for line: same count and order, kept fields byte-identical, the rest changed as the policy says', () => {
    const dir = tmp.make('anon');
    const file = writeFixture(dir, 'combined/access.log');
    const r = runCli(['anonymise', '--format', 'combined', file], { stateDir: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const input = lines(readFileSync(file, 'utf8'));
    const output = lines(r.stdout);
    expect(output).toHaveLength(input.length);
    input.forEach((line, i) => expectSameShape(line, output[i]!));
    // One user, one pseudonym within the run; different users, different pseudonyms.
    const users = output.map((l) => parseClf(l).user);
    expect(users[2]).toBe(users[3]);
    expect(new Set(users.filter((u) => u !== '-')).size).toBe(3);
    expectNoIdentifiers(r.stdout + r.stderr, 'combined output');
  });

  it('leaves no raw client address, user name, e-mail address or token of any fixture in stdout or stderr (--format auto)', () => {
    const dir = tmp.make('anon');
    const files = ALL_FIXTURES.map((f) => writeFixture(dir, f));
    const r = runCli(['anonymise', '--format', 'auto', '--stats', ...files], { stateDir: dir });
    expect(r.status).toBe(0);
    expect(lines(r.stdout).length).toBeGreaterThan(30);
    expectNoIdentifiers(r.stdout, 'stdout');
    expectNoIdentifiers(r.stderr, 'stderr');
  });

  it('--format auto reads several files in order, a gzip one among them, and writes each line in its own format', () => {
    const dir = tmp.make('anon');
    const inputs = ALL_FIXTURES.map((f) => ({ f, text: fixture(f).toString('utf8') }));
    // The .gz fixture is passed as it is stored, gzipped (dates moved, then packed again).
    const files = inputs.map(({ f }) => writeFixture(dir, f, { gzip: f.endsWith('.gz') }));
    expect(readFileSync(files[1]!).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const r = runCli(['anonymise', '--format', 'auto', '--stats', ...files], { stateDir: dir });
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    const expected = inputs.flatMap(({ f, text }) => lines(text).map((line) => ({ f, line })));
    expect(out).toHaveLength(expected.length);
    expect(parseStats(r.stderr)).toEqual({ in: expected.length, out: expected.length, dropped: {} });
    expected.forEach(({ f, line }, i) => {
      if (f.startsWith('json/')) {
        const doc = JSON.parse(out[i]!) as Record<string, unknown>;
        const src = JSON.parse(line) as Record<string, unknown>;
        // Fail closed: fields the policy does not name are gone, objects under a free-text field too.
        expect(doc).not.toHaveProperty('internal_trace');
        expect(doc).not.toHaveProperty('phone');
        expect(doc).not.toHaveProperty('request.id');
        for (const k of ['level', 'status_code', 'status', 'body_bytes_sent', 'request_time', 'time_iso8601', 'timestamp', '@timestamp', 'ts']) {
          if (k in src) expect(doc[k], `${k} kept in ${out[i]}`).toEqual(src[k]);
        }
      } else {
        expectSameShape(line, out[i]!);
      }
    });
  });

  it('detects gzip by its magic bytes: a gzip file without a .gz name, several gzip members in a row, and gzip on stdin read like the plain text', () => {
    const dir = tmp.make('anon');
    // Stamped today, so the epoch salt is kept and pseudonyms agree between the runs compared.
    const a = stampedToday(fixture('combined/access.log'));
    const b = stampedToday(fixture('common/access.log'));
    const plain = join(dir, 'plain.log');
    writeFileSync(plain, Buffer.concat([a, b]));
    const renamed = join(dir, 'access.log.1');
    writeFileSync(renamed, gzipSync(Buffer.concat([a, b])));
    const members = join(dir, 'members.log');
    writeFileSync(members, Buffer.concat([gzipSync(a), gzipSync(b)]));
    const reference = runCli(['anonymise', plain], { stateDir: dir });
    expect(reference.status).toBe(0);
    expect(lines(reference.stdout)).toHaveLength(lines(a.toString()).length + lines(b.toString()).length);
    for (const args of [[renamed], [members]]) {
      const r = runCli(['anonymise', ...args], { stateDir: dir });
      expect(r.stderr, args[0]).toBe('');
      expect(r.stdout, args[0]).toBe(reference.stdout);
    }
    const stdin = runCli(['anonymise'], { stateDir: dir, input: readFileSync(members) });
    expect(stdin.stdout).toBe(reference.stdout);
  });

  it('reads stdin when no file (or "-") is given, with the same result as the file', () => {
    const dir = tmp.make('anon');
    const log = stampedToday(fixture('vhost/access.log'));
    const file = join(dir, 'vhost.log');
    writeFileSync(file, log);
    const fromFile = runCli(['anonymise', file], { stateDir: dir });
    const fromStdin = runCli(['anonymise'], { stateDir: dir, input: log });
    const fromDash = runCli(['anonymise', '-'], { stateDir: dir, input: log });
    expect(fromFile.status).toBe(0);
    expect(lines(fromFile.stdout)).toHaveLength(4);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    expect(fromDash.stdout).toBe(fromFile.stdout);
    lines(log.toString()).forEach((line, i) => expectSameShape(line, lines(fromStdin.stdout)[i]!));
  });

  it('--output appends: the file is created 0640 (less any umask bits), and a second run adds to what is there', () => {
    const dir = tmp.make('anon');
    const log = stampedToday(fixture('combined/access.log'));
    const out = join(dir, 'anon.log');
    const first = runCli(['anonymise', '--output', out], { stateDir: dir, input: log });
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('');
    const umask = process.umask();
    expect(statSync(out).mode & 0o777).toBe(0o640 & ~umask);
    const once = readFileSync(out, 'utf8');
    expect(lines(once)).toHaveLength(14);
    const second = runCli(['anonymise', '-o', out], { stateDir: dir, input: log });
    expect(second.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(once + once);
    expectNoIdentifiers(readFileSync(out, 'utf8'), '--output file');
  });

  it('--stats prints lines in, lines out and drops by reason to stderr, and nothing of the dropped lines', () => {
    const dir = tmp.make('anon');
    const now = Date.now();
    const ua = '"curl/8.5.0"';
    const extra = [
      `198.51.100.61 - - [${clfTime(yesterday() - 400 * DAY)}] "GET /expired HTTP/1.1" 200 1 "-" ${ua}`,
      `198.51.100.62 - - [${clfTime(now + 3 * DAY)}] "GET /future HTTP/1.1" 200 1 "-" ${ua}`,
      JSON.stringify({ client_ip: '198.51.100.63', msg: 'no time here' }),
    ].join('\n');
    const file = join(dir, 'mixed.log');
    writeFileSync(file, Buffer.concat([fixture('bad/mixed.log'), Buffer.from(`${extra}\n`)]));
    const r = runCli(['anonymise', '--stats', file], { stateDir: dir });
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toHaveLength(4);
    expect(lines(r.stdout).map((l) => parseClf(l).request)).toEqual(['GET /ok-1 HTTP/1.1', 'GET /ok-2 HTTP/1.1', 'GET /ok-3 HTTP/1.1', 'GET /ok-4 HTTP/1.1']);
    expect(parseStats(r.stderr)).toEqual({
      in: 14,
      out: 4,
      dropped: { unparsed: 2, invalid_utf8: 1, nul_byte: 2, too_long: 1, no_timestamp: 1, expired: 1, future: 1, empty: 1 },
    });
    expect(r.stderr).toMatch(/14 lines in, 4 out, 10 dropped/);
    const raw = ['85.229.3.201', 'mallory.invalid', 'leak.utf8@example.com', '193.10.250.77', 'nul.user', 'Nul0Byte0Token0Value0abcdef12', '203.0.113.77', 'leak.long@example.com', '198.51.100.23', 'leak.json@example.com', '198.51.100.24', 'leak.garbage@example.org', 'Gx7Kq2Lm9Pz4Rt8Vw3Ys6Bn1Cd5Fh0Jk', '192.0.2.45', '198.51.100.61', '198.51.100.62', '198.51.100.63'];
    expect(leaks(r.stdout + r.stderr, raw, true)).toEqual([]);
  });

  it('without --stats prints nothing to stderr on success', () => {
    const dir = tmp.make('anon');
    const r = runCli(['anonymise', writeFixture(dir, 'common/access.log')], { stateDir: dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toHaveLength(6);
  });

  it('--unparsed scrub writes unparseable lines only after redaction, and only inside the retention window: no raw address, e-mail, token or number from them', () => {
    const dir = tmp.make('anon');
    const file = writeFixture(dir, 'bad/garbage.log');
    const input = lines(readFileSync(file, 'utf8'));
    const dropped = runCli(['anonymise', '--stats', file], { stateDir: dir });
    expect(dropped.stdout).toBe('');
    expect(parseStats(dropped.stderr).dropped).toEqual({ unparsed: 5 });
    // The garbage has no time: scrubbed or not, the window cannot be enforced on it, so it is dropped…
    const timeless = runCli(['anonymise', '--unparsed', 'scrub', '--stats', file], { stateDir: dir });
    expect(timeless.stdout).toBe('');
    expect(parseStats(timeless.stderr).dropped).toEqual({ no_timestamp: 5 });
    // …unless the policy stamps timeless events with their arrival.
    const cfg = join(dir, 'scrub.yaml');
    writeFileSync(cfg, 'input:\n  missing_timestamp: arrival\n');
    const r = runCli(['anonymise', '--config', cfg, '--unparsed', 'scrub', '--stats', file], { stateDir: dir });
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(input.length);
    expect(r.stderr).toMatch(/5 lines in, 5 out, 5 scrubbed, 0 dropped/);
    expect(leaks(r.stdout + r.stderr, GARBAGE_FIXTURE_IDENTIFIERS, true)).toEqual([]);
    // Redacted, not emptied: the words around the identifiers are still there, line for line.
    expect(out[0]).toMatch(/^client 198\.51\.100\.0 connected as \S+$/);
    expect(out[4]).toMatch(/^personnummer \S+ and mac \S+ for 192\.0\.2\.0$/);
    // The config key says the same as the flag.
    writeFileSync(cfg, 'input:\n  missing_timestamp: arrival\n  unparsed: scrub\n');
    expect(runCli(['anonymise', '--config', cfg, file], { stateDir: dir }).stdout).toBe(r.stdout);
    // A scrubbed line with a time outside the window is dropped like any other (seven months old here).
    const old = join(dir, 'old.log');
    writeFileSync(old, `garbage [${clfTime(Date.now() - 214 * DAY)}] from 81.6.12.34\n`);
    const expired = runCli(['anonymise', '--unparsed', 'scrub', '--stats', old], { stateDir: dir });
    expect(expired.stdout).toBe('');
    expect(parseStats(expired.stderr).dropped).toEqual({ expired: 1 });
  });

  it('a corrupt gzip file among others: exit 1 with a message naming it, and the other files are still anonymised', () => {
    const dir = tmp.make('anon');
    const a = writeFixture(dir, 'combined/access.log');
    const b = writeFixture(dir, 'common/access.log');
    const corrupt = join(FIXTURES, 'bad', 'corrupt.log.gz');
    const r = runCli(['anonymise', '--stats', a, corrupt, b], { stateDir: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${corrupt}: corrupt or truncated gzip data`);
    const out = lines(r.stdout);
    expect(out).toHaveLength(14 + 6);
    expect(parseClf(out[0]!).request).toBe('GET / HTTP/1.1');
    expect(parseClf(out[19]!).request).toBe('GET /api/v1/users/{user}/profile HTTP/1.1');
    expect(leaks(r.stdout + r.stderr, ['198.51.100.1', 'corrupt.user', '@example.com'], true)).toEqual([]);
  });

  it('an input that breaks off inside a line (truncated gzip) does not have the fragment written as a line', () => {
    const dir = tmp.make('anon');
    const text = fixture('common/access.log').toString('utf8');
    // Cut in the middle of the last line's byte count: "… 403 61" would still parse as "… 403 6".
    const cut = text.lastIndexOf(' 61') + 2;
    const gz = gzipSync(text);
    // A gzip stream that stops after the deflate data of the first `cut` bytes: flush there, then end abruptly.
    const head = zlib.deflateRawSync(Buffer.from(text.slice(0, cut)), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const truncatedGz = Buffer.concat([gz.subarray(0, 10), head]);
    const file = join(dir, 'cut.log.gz');
    writeFileSync(file, truncatedGz);
    const r = runCli(['anonymise', '--stats', '--format', 'common', file], { stateDir: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}: corrupt or truncated gzip data`);
    const out = lines(r.stdout);
    expect(out).toHaveLength(5);
    expect(r.stdout).not.toContain('403');
    expect(parseStats(r.stderr)).toEqual({ in: 6, out: 5, dropped: { unparsed: 1 } });
  });

  it('a missing input file: exit 1 with a message naming it, and the other files are still anonymised', () => {
    const dir = tmp.make('anon');
    const a = writeFixture(dir, 'common/access.log');
    const missing = join(dir, 'no-such-access.log');
    const r = runCli(['anonymise', missing, a], { stateDir: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${missing}: cannot open (no such file)`);
    expect(lines(r.stdout)).toHaveLength(6);
  });
});
