/**
 * systemd notifications, received the way systemd receives them: a unix
 * datagram socket named by $NOTIFY_SOCKET (here a small Perl listener —
 * perl-base is part of every Debian system — since Node cannot open one),
 * written to by the real `systemd-notify`. `gallra run` says READY=1 once
 * started, RELOADING=1 then READY=1 around a SIGHUP reload, STOPPING=1 on
 * SIGTERM, and WATCHDOG=1 every half of $WATCHDOG_USEC.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SdNotify } from '../../src/runtime/sd-notify.js';
import { ensureBuilt, TempDirs } from '../helpers/cli.js';
import { killAll, numberedLines, startGallra, until } from '../helpers/run.js';

const haveNotify = spawnSync('systemd-notify', ['--version']).status === 0;
const havePerl = spawnSync('perl', ['-MSocket', '-e', '1']).status === 0;
const MISSING = !haveNotify ? 'systemd-notify is not installed (Debian: apt-get install systemd)' : !havePerl ? 'perl with Socket is not installed' : undefined;
if (MISSING !== undefined) process.stderr.write(`[sd-notify.test] ${MISSING}: skipping the systemd notification tests\n`);

const tmp = new TempDirs();
const listeners: ChildProcessWithoutNullStreams[] = [];
beforeAll(() => ensureBuilt(), 180_000);
afterEach(async () => {
  await killAll();
  for (const l of listeners.splice(0)) if (l.exitCode === null) l.kill('SIGKILL');
});
afterAll(() => tmp.cleanup());

const LISTENER = `use strict; use Socket; my $p = shift; unlink $p;
socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!"; bind($s, pack_sockaddr_un($p)) or die "bind: $!";
$| = 1; print "listening\\n";
while (1) { my $b; defined(recv($s, $b, 4096, 0)) or die "recv: $!"; $b =~ s/\\n/|/g; print "$b\\n"; }`;

/** A notify socket and the messages it received, one per line, newlines inside a message as `|`. */
async function notifySocket(dir: string): Promise<{ path: string; messages: () => string[] }> {
  const socket = path.join(dir, 'notify.sock');
  const child = spawn('perl', ['-e', LISTENER, socket], { stdio: ['pipe', 'pipe', 'pipe'] });
  listeners.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await until(() => out.startsWith('listening\n'), 'the notify socket to listen');
  return { path: socket, messages: () => out.split('\n').slice(1, -1).filter((m) => m !== 'BARRIER=1') };
}

describe.skipIf(MISSING !== undefined)('systemd notifications', () => {
  it('SdNotify sends READY=1 with a status, STOPPING=1, and WATCHDOG=1 every half of WATCHDOG_USEC', async () => {
    const dir = tmp.make('sd');
    const sock = await notifySocket(dir);
    const warnings: string[] = [];
    const sd = SdNotify.fromEnv({ env: { ...process.env, NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '400000' }, warn: (m) => warnings.push(m) })!;
    await sd.ready('1 source → 1 sink');
    expect(sock.messages()).toEqual(['READY=1|STATUS=1 source → 1 sink']);
    sd.startWatchdog();
    await until(() => sock.messages().filter((m) => m === 'WATCHDOG=1').length >= 3, () => `three keep-alives, have ${JSON.stringify(sock.messages())}`);
    sd.stop();
    await sd.stopping();
    expect(sock.messages().at(-1)).toBe('STOPPING=1|STATUS=stopping: draining, flushing, recording positions');
    expect(warnings).toEqual([]);
  });

  it('sends nothing without NOTIFY_SOCKET, and warns once when systemd-notify cannot be run', async () => {
    expect(SdNotify.fromEnv({ env: {}, warn: () => undefined })).toBeUndefined();
    const warnings: string[] = [];
    const sd = SdNotify.fromEnv({ env: { NOTIFY_SOCKET: '/nonexistent/notify.sock' }, warn: (m) => warnings.push(m), program: 'gallra-no-such-program' })!;
    await sd.ready('x');
    await sd.status('y');
    expect(warnings).toEqual([expect.stringMatching(/^cannot notify systemd \(\$NOTIFY_SOCKET is set\): gallra-no-such-program is not installed .*NotifyAccess=all/)]);
  });

  it('gallra run reports READY=1 once started, RELOADING=1 then READY=1 around a SIGHUP reload, and STOPPING=1 on SIGTERM', async () => {
    const dir = tmp.make('sd-run');
    const sock = await notifySocket(dir);
    fs.writeFileSync(path.join(dir, 'access.log'), numberedLines(0, 3));
    const cfg = path.join(dir, 'gallra.yaml');
    fs.writeFileSync(cfg, 'input:\n  format: combined\nsources:\n  - type: file\n    name: app\n    path: access.log\n    start_at: beginning\nsinks:\n  - type: file\n    dir: out\n');
    const g = startGallra(cfg, { stateDir: path.join(dir, 'state'), env: { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '2000000' } });
    await until(() => sock.messages().some((m) => m.startsWith('READY=1')), () => `READY=1, have ${JSON.stringify(sock.messages())}:\n${g.stderr()}`, 15_000);
    expect(sock.messages()[0]).toMatch(/^READY=1\|STATUS=1 source → 1 sink; \d+ lines read$/);
    await until(() => sock.messages().includes('WATCHDOG=1'), 'a watchdog keep-alive', 15_000);

    g.child.kill('SIGHUP');
    await g.waitForLog(/"msg":"config reloaded"/);
    await until(() => sock.messages().filter((m) => m.startsWith('READY=1')).length >= 2, () => `READY=1 after the reload, have ${JSON.stringify(sock.messages())}`, 15_000);
    const afterStart = sock.messages().filter((m) => m !== 'WATCHDOG=1');
    expect(afterStart.slice(1).map((m) => m.split('|')[0])).toEqual(['RELOADING=1', 'READY=1']);

    expect(await g.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    await until(() => sock.messages().some((m) => m.startsWith('STOPPING=1')), () => `STOPPING=1, have ${JSON.stringify(sock.messages())}`);
  }, 60_000);
});
