/** The Kafka sink's own numbers for /metrics (plain counters read when scraped). */
import type { MetricSample } from '../../util/metric.js';
import type { FailureKind, Route } from './delivery.js';

/**
 * @example
 * const m = new SinkMetrics(); m.delivered('logs.anon', 'main'); m.samples('anon', 0);
 */
export class SinkMetrics {
  /** Events accepted by write(). */
  written = 0;
  /** Records handed to librdkafka (retries and dead letters included). */
  produced = 0;
  queueFull = 0;
  recreated = 0;
  readonly deliveryErrors: Record<FailureKind, number> = { permanent: 0, fatal: 0, transient: 0 };
  private readonly byTopic = new Map<string, number>();
  private readonly dead: Record<Exclude<Route, 'main'>, number> = { unparsed: 0, rejected: 0 };

  /** `n` records delivered to `topic` (the sink's, or the dead-letter topic for `route`). */
  delivered(topic: string, route: Route, n = 1): void {
    this.byTopic.set(topic, (this.byTopic.get(topic) ?? 0) + n);
    if (route !== 'main') this.dead[route] += n;
  }

  /** Records delivered to `topic` so far. */
  deliveredTo(topic: string): number {
    return this.byTopic.get(topic) ?? 0;
  }

  samples(sink: string, inFlight: number): MetricSample[] {
    const out: MetricSample[] = [];
    const counter = (name: string, help: string, labels: Record<string, string>, value: number): void => void out.push({ name, help, type: 'counter', labels: { sink, ...labels }, value });
    for (const [topic, n] of this.byTopic) counter('gallra_kafka_records_produced_total', 'Records delivered to Kafka (acknowledged by every in-sync replica), per sink and topic.', { topic }, n);
    for (const [kind, n] of Object.entries(this.deliveryErrors)) counter('gallra_kafka_delivery_errors_total', 'Failed deliveries, per kind (transient: sent again; fatal: producer recreated; permanent: dead-lettered).', { kind }, n);
    for (const [reason, n] of Object.entries(this.dead)) counter('gallra_kafka_dead_lettered_total', 'Records delivered to the dead-letter topic, per reason.', { reason }, n);
    counter('gallra_kafka_producer_recreated_total', 'Producers replaced after a fatal error.', {}, this.recreated);
    counter('gallra_kafka_producer_queue_full_total', 'Times librdkafka\'s queue was full and write() waited.', {}, this.queueFull);
    out.push({ name: 'gallra_kafka_producer_in_flight_records', help: 'Records written and not yet known delivered.', type: 'gauge', labels: { sink }, value: inFlight });
    return out;
  }
}
