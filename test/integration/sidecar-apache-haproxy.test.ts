/**
 * The recipes in config/sidecar-haproxy.yaml and config/sidecar-apache.yaml,
 * followed as written by an operator, with a real HAProxy and a real Apache
 * started by the test on 127.0.0.1 (ports, directories and the path to the
 * built gallra are the only substitutions): every request is written once,
 * anonymised, and a browser's user agent keeps its OS and device class —
 * which HAProxy's req.hdr() capture (the old recipe) destroyed by splitting
 * the header at its commas.
 *
 * CI installs both (.ci/run); where one is missing its test is skipped with
 * a message saying so.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, MAIN, ROOT, TempDirs } from '../helpers/cli.js';
import { request } from '../helpers/nginx.js';
import { freePort, killAll, readOutput, startedGallra, until } from '../helpers/run.js';

const installed = (bin: string): boolean => spawnSync(bin, ['-v']).status === 0;
const HAPROXY = ['/usr/sbin/haproxy', 'haproxy'].find(installed);
const APACHE = ['/usr/sbin/apache2', '/usr/sbin/httpd'].find(installed);
if (HAPROXY === undefined) process.stderr.write('[sidecar-apache-haproxy.test] haproxy is not installed: skipping (apt-get install haproxy)\n');
if (APACHE === undefined) process.stderr.write('[sidecar-apache-haproxy.test] apache2 is not installed: skipping (apt-get install apache2)\n');

const tmp = new TempDirs();
const servers: ChildProcess[] = [];
beforeAll(() => ensureBuilt(), 180_000);
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if (s.exitCode !== null || s.signalCode !== null) continue;
    s.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        s.kill('SIGKILL');
        resolve();
      }, 5000);
      s.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  await killAll();
});
afterAll(() => tmp.cleanup());

const BROWSER = (n: number): string => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.${n} Safari/537.36`;

/** The commented recipe lines of a config file that follow `marker`, up to the next blank comment line, without their `#`. */
function recipe(file: string, marker: RegExp): string[] {
  const lines = readFileSync(join(ROOT, 'config', file), 'utf8').split('\n');
  let i = lines.findIndex((l) => marker.test(l));
  while (i < lines.length && !lines[i]!.startsWith('#  ')) i++;
  const out: string[] = [];
  for (; i < lines.length && lines[i]!.startsWith('#  '); i++) out.push(lines[i]!.slice(1));
  return out;
}

/** Starts a server in the foreground; it is stopped after the test. */
function serve(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  servers.push(child);
  return child;
}

/** Resolves once 127.0.0.1:`port` answers HTTP. */
async function answering(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let k = 0; k < 200; k++) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${log()}`);
    const ok = await request(port, '/ready', 'probe').then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answered on ${port}: ${log()}`);
}

describe.skipIf(HAPROXY === undefined)('the HAProxy recipe (config/sidecar-haproxy.yaml)', () => {
  it('writes every request once, anonymised, keeping the browser user agent\'s OS and device class', async () => {
    const dir = tmp.make('haproxy');
    const syslog = await freePort('udp');
    const web = await freePort('tcp');
    const cfg = join(dir, 'gallra.yaml');
    writeFileSync(
      cfg,
      readFileSync(join(ROOT, 'config', 'sidecar-haproxy.yaml'), 'utf8')
        .replace('dir: /var/lib/gallra/salts', `dir: ${join(dir, 'salts')}`)
        .replace('dir: /var/log/gallra', `dir: ${join(dir, 'out')}`)
        .replace('port: 5515', `port: ${syslog}`)
        .replace(/http:\n {2}port: \d+\n?/, ''),
    );
    const g = await startedGallra(cfg, { stateDir: join(dir, 'state') });
    const haproxyCfg = recipe('sidecar-haproxy.yaml', /^# haproxy\.cfg/)
      .filter((l) => l.trim() !== '')
      .map((l) => l.replace('127.0.0.1:5515', `127.0.0.1:${syslog}`))
      .join('\n')
      .replace('    mode http', '    mode http\n    timeout connect 5s\n    timeout client 5s\n    timeout server 5s')
      .concat(`\n    bind 127.0.0.1:${web}\n    http-request return status 200 content-type text/plain string ok\n`);
    writeFileSync(join(dir, 'haproxy.cfg'), haproxyCfg);
    let err = '';
    const hp = serve(HAPROXY!, ['-db', '-f', join(dir, 'haproxy.cfg')]);
    hp.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await answering(web, hp, () => err);
    const N = 20;
    for (let n = 0; n < N; n++) expect(await request(web, `/h/${n}?email=a${n}%40ex.se`, BROWSER(n))).toBe(200);
    const out = (): string[] => readOutput(join(dir, 'out'), 'haproxy').split('\n').filter((l) => l.includes('/h/'));
    await until(() => out().length >= N, () => `${N} requests out, have ${out().length}:\n${g.stderr()}`);
    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const lines = out();
    expect(lines).toHaveLength(N);
    for (const l of lines) expect(l).toMatch(/^127\.0\.0\.0 - - \[[^\]]+\] "GET \/h\/\d+\?email=\[[a-z]+\] HTTP\/1\.1" 200 \d+ "-" "Mozilla\/5\.0 \(Linux; Desktop\) Chrome\/124" \d+$/);
  }, 60_000);
});

describe.skipIf(APACHE === undefined)('the Apache recipe (config/sidecar-apache.yaml)', () => {
  it('writes every request once, anonymised, through the piped CustomLog with absolute paths', async () => {
    const dir = tmp.make('apache');
    const web = await freePort('tcp');
    mkdirSync(join(dir, 'www'));
    writeFileSync(join(dir, 'www', 'index.html'), 'ok\n');
    // Apache's workers (nobody, when the test runs as root) serve from here.
    chmodSync(dir, 0o755);
    const cfg = join(dir, 'gallra.yaml');
    writeFileSync(
      cfg,
      readFileSync(join(ROOT, 'config', 'sidecar-apache.yaml'), 'utf8')
        .replace('dir: /var/lib/gallra/salts', `dir: ${join(dir, 'salts')}`)
        .replace('dir: /var/log/apache2/anon', `dir: ${join(dir, 'out')}`),
    );
    const customLog = recipe('sidecar-apache.yaml', /^# httpd\.conf/)[0]!
      .trim()
      .replace('/usr/bin/node', process.execPath)
      .replace('/usr/local/lib/node_modules/gallra/dist/bundle/main.js', MAIN)
      .replace('/etc/gallra/sidecar-apache.yaml', cfg);
    expect(customLog).toMatch(/^CustomLog "\|\/\S+ \/\S+ run --config \/\S+" combined$/);
    const root = process.getuid?.() === 0;
    const mod = (name: string): string => `LoadModule ${name}_module /usr/lib/apache2/modules/mod_${name}.so`;
    writeFileSync(
      join(dir, 'httpd.conf'),
      [
        `ServerRoot ${dir}`,
        'ServerName localhost',
        mod('mpm_event'),
        mod('authz_core'),
        mod('dir'),
        mod('mime'),
        'TypesConfig /etc/mime.types',
        `Listen 127.0.0.1:${web}`,
        `PidFile ${join(dir, 'httpd.pid')}`,
        `ErrorLog ${join(dir, 'error.log')}`,
        root ? 'User nobody\nGroup nogroup' : '',
        `DocumentRoot ${join(dir, 'www')}`,
        `<Directory ${join(dir, 'www')}>\n  Require all granted\n</Directory>`,
        'LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined',
        customLog,
        '',
      ].join('\n'),
    );
    const errorLog = (): string => {
      try {
        return readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        return '';
      }
    };
    // Apache's own environment: no PATH to find node or gallra by.
    const httpd = spawn(APACHE!, ['-DFOREGROUND', '-f', join(dir, 'httpd.conf')], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: '/usr/sbin:/sbin' } });
    servers.push(httpd);
    await answering(web, httpd, errorLog);
    const N = 20;
    for (let n = 0; n < N; n++) expect(await request(web, `/?page=${n}&email=a${n}%40ex.se`, BROWSER(n))).toBe(200);
    const out = (): string[] => readOutput(join(dir, 'out')).split('\n').filter((l) => l.includes('?page='));
    await until(() => out().length >= N, () => `${N} requests out, have ${out().length}:\n${errorLog()}`, 20_000);
    const lines = out();
    expect(lines).toHaveLength(N);
    for (const l of lines) expect(l).toMatch(/^127\.0\.0\.0 - - \[[^\]]+\] "GET \/\?page=\d+&email=\[[a-z]+\] HTTP\/1\.1" 200 \d+ "-" "Mozilla\/5\.0 \(Linux; Desktop\) Chrome\/124"$/);
    expect(errorLog()).not.toContain('AH00104');
  }, 60_000);
});
