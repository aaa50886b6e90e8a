/**
 * A real nginx for the sidecar tests: started by the test on 127.0.0.1 with
 * a generated config in its own prefix directory (no system nginx, no
 * /etc/nginx, no /var/log/nginx), logging to gallra over syslog or to a file
 * gallra tails, and stopped — master and workers, by pid — whatever happens.
 *
 * CI installs the Debian package (.ci/run); where nginx is not installed
 * {@link NGINX_MISSING} says why and the tests skip with that message.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { freePort, until } from './run.js';

function findNginx(): string | undefined {
  for (const candidate of ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx']) {
    const r = spawnSync(candidate, ['-v'], { encoding: 'utf8' });
    if (r.error === undefined && r.status === 0) return candidate;
  }
  return undefined;
}

/**
 * The nginx binary, or undefined when none is installed.
 *
 * @example
 * describe.skipIf(NGINX === undefined)('with nginx', () => { … });
 */
export const NGINX = findNginx();

/**
 * Why the nginx tests cannot run here, or undefined when they can.
 *
 * @example
 * if (NGINX_MISSING !== undefined) process.stderr.write(`[my.test] ${NGINX_MISSING}\n`);
 */
export const NGINX_MISSING = NGINX === undefined ? 'nginx is not installed (not on PATH nor in /usr/sbin): skipping the real-nginx sidecar tests. CI installs it (.ci/run); locally: apt-get install --no-install-recommends nginx' : undefined;

export interface Nginx {
  /** The port nginx serves on (127.0.0.1). */
  readonly port: number;
  /** The prefix directory (config, pid, error log, temp paths). */
  readonly dir: string;
  readonly pid: number;
  /** `nginx -s reopen` (logrotate's postrotate): resolves once nginx has created the access log again. */
  reopen(accessLog: string): Promise<void>;
  /** Graceful stop (SIGQUIT), then SIGKILL of master and workers if it lingers. Idempotent. */
  stop(): Promise<void>;
  /** nginx's error log, for assertion messages. */
  errorLog(): string;
}

const running = new Set<Nginx>();

/**
 * Stops every nginx a test started (for afterEach/afterAll).
 *
 * @example
 * afterAll(() => stopAllNginx());
 */
export async function stopAllNginx(): Promise<void> {
  await Promise.all([...running].map((n) => n.stop()));
}

/** Child pids of `pid` (nginx's workers), from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // The command name is in parentheses and may hold spaces: the ppid is the second field after it.
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Starts nginx in `dir` with `access_log <accessLog> combined;` and one
 * server on a free 127.0.0.1 port answering every request with 200 "ok".
 *
 * @example
 * const nginx = await startNginx(dir, `syslog:server=127.0.0.1:${port},tag=nginx`);
 * await request(nginx.port, '/t/1');
 */
export async function startNginx(dir: string, accessLog: string): Promise<Nginx> {
  if (NGINX === undefined) throw new Error(NGINX_MISSING);
  const port = await freePort('tcp');
  const conf = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'error.log');
  // Running as root, nginx would switch its workers to "nobody", who cannot write the test's files.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  writeFileSync(
    conf,
    `daemon off;
master_process on;
worker_processes 1;
${user}pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} info;
events { worker_connections 64; }
http {
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  access_log ${accessLog} combined;
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "ok\\n"; }
  }
}
`,
  );
  // -e: the error log before the config is read, else nginx opens the system's /var/log/nginx/error.log.
  const child: ChildProcess = spawn(NGINX, ['-p', `${dir}/`, '-c', conf, '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  let stopped = false;
  const readErrorLog = (): string => {
    try {
      return readFileSync(errorLog, 'utf8');
    } catch {
      return '';
    }
  };
  const ctl = (signal: string): void => {
    const r = spawnSync(NGINX, ['-p', `${dir}/`, '-c', conf, '-e', errorLog, '-s', signal], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`nginx -s ${signal} failed: ${r.stderr}`);
  };
  const nginx: Nginx = {
    port,
    dir,
    pid: child.pid!,
    errorLog: () => `${stderr}${readErrorLog()}`,
    async reopen(file: string) {
      ctl('reopen');
      await until(() => existsSync(file), `nginx to create ${file} again after reopen`, 10_000);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      running.delete(nginx);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const workers = childrenOf(child.pid!);
      child.kill('SIGQUIT');
      const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 5000).unref());
      if ((await Promise.race([exited, timer])) === 'late') {
        child.kill('SIGKILL');
        await exited;
      }
      // Workers of a master that had to be killed would be left serving.
      for (const w of workers) {
        try {
          process.kill(w, 'SIGKILL');
        } catch {
          // already gone with the master
        }
      }
    },
  };
  running.add(nginx);
  try {
    await waitListening(port, () => (child.exitCode !== null ? `nginx exited (${child.exitCode}): ${nginx.errorLog()}` : undefined));
  } catch (err) {
    await nginx.stop();
    throw err;
  }
  return nginx;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`; `dead()` names a reason to give up early. */
async function waitListening(port: number, dead: () => string | undefined, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const why = dead();
    if (why !== undefined) throw new Error(why);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on 127.0.0.1:${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A GET to 127.0.0.1:`port` with the given path and User-Agent; resolves to the status.
 *
 * @example
 * expect(await request(nginx.port, '/t/1?email=a1%40ex.se', 'TestAgent/1')).toBe(200);
 */
export function request(port: number, path: string, userAgent: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // A fresh connection per request (no keep-alive agent), so nothing is left open after the test.
    const req = http.get({ host: '127.0.0.1', port, path, headers: { 'user-agent': userAgent }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer in 10 s`)));
  });
}
