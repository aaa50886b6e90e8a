/**
 * systemd's service notification protocol (sd_notify(3)) for `Type=notify`
 * units: READY=1 once gallra run has started (sources open, listener bound),
 * RELOADING=1 … READY=1 around a config reload, STOPPING=1 when a shutdown
 * begins, STATUS= lines, and WATCHDOG=1 keep-alives every half of
 * `WatchdogSec` while the event loop runs (a wedged loop stops them, and
 * systemd restarts the service).
 *
 * The protocol is a datagram on the AF_UNIX socket named by $NOTIFY_SOCKET.
 * Node has no unix datagram sockets, so each message is sent by
 * `systemd-notify` (Debian's systemd package), which also waits until
 * systemd has taken it (a barrier). The unit needs `NotifyAccess=all`: the
 * sender is gallra's child, not gallra itself (config/gallra.service).
 * Without $NOTIFY_SOCKET (not under systemd) nothing is sent.
 */
import { spawn } from 'node:child_process';

export interface SdNotifyOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Told once when messages cannot be sent (systemd-notify missing or failing). */
  readonly warn: (message: string) => void;
  /** The program that sends (tests point it elsewhere). */
  readonly program?: string;
}

/**
 * @example
 * const sd = SdNotify.fromEnv({ env: process.env, warn });
 * sd?.ready('reading 1 source'); sd?.startWatchdog();
 */
export class SdNotify {
  private watchdog: NodeJS.Timeout | undefined;
  private warned = false;
  private readonly program: string;
  /** Messages not yet sent, in order (one sender at a time, so READY never overtakes RELOADING). */
  private queue: Promise<void> = Promise.resolve();

  private constructor(private readonly o: SdNotifyOptions) {
    this.program = o.program ?? 'systemd-notify';
  }

  /** The notifier when gallra runs under systemd with a notify socket, else undefined. */
  static fromEnv(o: SdNotifyOptions): SdNotify | undefined {
    const socket = o.env.NOTIFY_SOCKET;
    return socket === undefined || socket === '' ? undefined : new SdNotify(o);
  }

  ready(status: string): Promise<void> {
    return this.send(['READY=1', `STATUS=${status}`]);
  }

  reloading(): Promise<void> {
    return this.send(['RELOADING=1', 'STATUS=reloading the config']);
  }

  stopping(): Promise<void> {
    return this.send(['STOPPING=1', 'STATUS=stopping: draining, flushing, recording positions']);
  }

  status(text: string): Promise<void> {
    return this.send([`STATUS=${text}`]);
  }

  /** Sends WATCHDOG=1 every half of $WATCHDOG_USEC, when systemd asks for it (and for this process). */
  startWatchdog(): void {
    const usec = Number(this.o.env.WATCHDOG_USEC);
    const pid = this.o.env.WATCHDOG_PID;
    if (!Number.isFinite(usec) || usec <= 0 || (pid !== undefined && pid !== '' && Number(pid) !== process.pid)) return;
    const every = Math.max(100, Math.floor(usec / 2000));
    this.watchdog = setInterval(() => void this.send(['WATCHDOG=1']), every);
    this.watchdog.unref();
    void this.send(['WATCHDOG=1']);
  }

  stop(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /** Resolves once systemd has the message (or sending failed: said once, never thrown). */
  private send(assignments: readonly string[]): Promise<void> {
    this.queue = this.queue.then(
      () =>
        new Promise<void>((resolve) => {
          const child = spawn(this.program, assignments, { env: this.o.env, stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
          child.on('error', (e: NodeJS.ErrnoException) => {
            this.failed(e.code === 'ENOENT' ? `${this.program} is not installed (Debian: apt-get install systemd)` : `${this.program}: ${e.code ?? e.message}`);
            resolve();
          });
          child.on('exit', (code) => {
            if (code !== 0) this.failed(`${this.program} exited ${code}: ${err.trim()}`);
            resolve();
          });
        }),
    );
    return this.queue;
  }

  private failed(why: string): void {
    if (this.warned) return;
    this.warned = true;
    this.o.warn(`cannot notify systemd ($NOTIFY_SOCKET is set): ${why}; with Type=notify, systemd will not see gallra start. The unit needs NotifyAccess=all (config/gallra.service)`);
  }
}
