/**
 * What a component (a source, a sink, a store) reports for `/metrics` beyond
 * the pipeline's own counters: plain numbers read when scraped, so they cost
 * nothing when nobody listens.
 */
export interface MetricSample {
  /** The Prometheus name, `gallra_` first (`gallra_kafka_consumer_lag`). */
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly labels: Readonly<Record<string, string>>;
  /** A counter's running total, or a gauge's value now. */
  readonly value: number;
}

/** Whether a component is ready to do its job, and if not, why (for `/readyz` and the log). */
export interface Health {
  readonly ready: boolean;
  /** Why not, in words for the operator (never with input content). */
  readonly reason?: string;
}
