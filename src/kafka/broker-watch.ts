/**
 * Whether a client can reach the cluster now, for readiness (/readyz).
 * librdkafka reports losing every broker (ERR__ALL_BROKERS_DOWN on the
 * error callback; node-rdkafka 3.6 passes it on with code -1 and the text
 * "all broker connections are down") but says nothing when they come back,
 * so from then on a metadata request is sent every few seconds until one is
 * answered.
 */

/** librdkafka's ERR__ALL_BROKERS_DOWN: every broker connection is down. */
export const ALL_BROKERS_DOWN = -187;
const ALL_BROKERS_DOWN_TEXT = /all broker connections are down/i;
const PROBE_MS = 2000;

interface MetadataClient {
  getMetadata(options: { timeout?: number }, cb: (err: unknown, md: unknown) => void): unknown;
}

/**
 * @example
 * const watch = new BrokerWatch(consumer);
 * consumer.on('event.error', (err) => watch.onError(err));
 * if (watch.down) health = { ready: false, reason: 'Kafka brokers unreachable' };
 * watch.close();
 */
export class BrokerWatch {
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;
  /** Times every broker was lost. */
  losses = 0;

  constructor(private readonly client: MetadataClient) {}

  /** Whether every broker is unreachable (since the last loss, no metadata request was answered). */
  get down(): boolean {
    return this.timer !== undefined;
  }

  /** Looks at a client error; a loss of every broker starts the probing. */
  onError(err: { code?: unknown; message?: unknown } | null | undefined): void {
    const lost = err?.code === ALL_BROKERS_DOWN || (typeof err?.message === 'string' && ALL_BROKERS_DOWN_TEXT.test(err.message));
    if (!lost || this.closed || this.timer !== undefined) return;
    this.losses++;
    this.timer = setInterval(() => this.probe(), PROBE_MS);
    // Readiness only: it must not keep the process alive.
    this.timer.unref();
  }

  private probe(): void {
    if (this.probing) return;
    this.probing = true;
    try {
      this.client.getMetadata({ timeout: PROBE_MS - 200 }, (err) => {
        this.probing = false;
        if (err === null || err === undefined) this.up();
      });
    } catch {
      // Not connected (being closed): nothing to tell.
      this.probing = false;
    }
  }

  private up(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.closed = true;
    this.up();
  }
}
