/**
 * Prometheus metrics for `gallra run` (prom-client). Nothing is counted on
 * the hot path: the pipelines keep plain numbers (LineStats, sink counters)
 * and the metrics read them when scraped, so metrics cost nothing when
 * nobody listens.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { DROP_REASONS, type LineStats } from '../pipeline/stats.js';
import type { Sink } from '../sinks/sink.js';
import { REDACTION_KINDS } from '../transforms/redact/kinds.js';
import type { Source } from '../sources/source.js';
import type { MetricSample } from '../util/metric.js';

export interface MeteredSource {
  readonly source: Source;
  readonly stats: () => LineStats;
  /** Bytes read from the source but not yet acknowledged (durable in every sink, position recorded). */
  lagBytes(): number;
  /** When the oldest byte not yet acknowledged was read (ms), 0 when everything read is acknowledged. */
  oldestUnackedAt(): number;
}

/**
 * A counter fed from a cumulative number read at scrape time. Every series
 * is shown from the first scrape, at 0 if nothing has happened yet, so a
 * dashboard or alert (`rate(gallra_lines_dropped_total[5m]) > 0`) sees it
 * before the first drop.
 */
function feed(counter: Counter<string>, labels: Record<string, string>, read: () => number, seen: Map<string, number>): void {
  const key = JSON.stringify(labels);
  const now = read();
  const before = seen.get(key);
  if (before === undefined) counter.inc(labels, 0);
  const fed = before ?? 0;
  if (now > fed) counter.inc(labels, now - fed);
  // The number started over (a source restarted by a config reload): what it counted since is new.
  else if (now < fed && now > 0) counter.inc(labels, now);
  seen.set(key, now);
}

/**
 * Builds the registry for a running pipeline.
 *
 * @example
 * const registry = createMetrics(sources, sinks, Date.now);
 * res.end(await registry.metrics());
 */
export function createMetrics(sources: readonly MeteredSource[], sinks: readonly Sink[], now: () => number): Registry {
  const registry = new Registry();
  // prom-client's names already start with process_ or nodejs_ (gallra_process_cpu_seconds_total).
  collectDefaultMetrics({ register: registry, prefix: 'gallra_' });
  // What each counter has been fed so far, one map per counter: counters
  // share label sets ({source}), and a shared map would make one counter's
  // reading the other's baseline, so every scrape would add the total again.
  const seenRead = new Map<string, number>();
  const seenDropped = new Map<string, number>();
  const seenScrubbed = new Map<string, number>();
  const seenWritten = new Map<string, number>();
  const seenRedactions = new Map<string, number>();
  new Counter({
    name: 'gallra_lines_read_total',
    help: 'Lines read, per source.',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      for (const s of sources) feed(this, { source: s.source.name }, () => s.stats().linesIn, seenRead);
    },
  });
  new Counter({
    name: 'gallra_lines_dropped_total',
    help: 'Lines dropped, per source and reason (never written anywhere).',
    labelNames: ['source', 'reason'],
    registers: [registry],
    collect() {
      for (const s of sources) {
        for (const reason of DROP_REASONS) feed(this, { source: s.source.name, reason }, () => s.stats().dropped[reason], seenDropped);
        for (const [reason, n] of Object.entries(s.source.drops)) feed(this, { source: s.source.name, reason }, () => n, seenDropped);
      }
    },
  });
  new Counter({
    name: 'gallra_lines_scrubbed_total',
    help: 'Unparseable lines written after free-text redaction (input.unparsed: scrub), per source.',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      for (const s of sources) feed(this, { source: s.source.name }, () => s.stats().scrubbed, seenScrubbed);
    },
  });
  new Counter({
    name: 'gallra_redactions_total',
    help: 'Values the redactor replaced, per detector kind (email, phone, query, path, …), summed over sources.',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const all = sources.map((s) => s.stats().redactions);
      for (const kind of REDACTION_KINDS) feed(this, { kind }, () => all.reduce((n, r) => n + (r[kind] ?? 0), 0), seenRedactions);
    },
  });
  new Counter({
    name: 'gallra_lines_written_total',
    help: 'Lines accepted, per sink.',
    labelNames: ['sink'],
    registers: [registry],
    collect() {
      for (const k of sinks) feed(this, { sink: k.name }, () => k.linesWritten, seenWritten);
    },
  });
  new Gauge({
    name: 'gallra_checkpoint_lag_bytes',
    help: 'Bytes read from the source but not yet acknowledged (durably written by every sink, position recorded), per source: what a crash now would make gallra read again. 0 when all is acknowledged.',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      for (const s of sources) this.set({ source: s.source.name }, s.lagBytes());
    },
  });
  new Gauge({
    name: 'gallra_checkpoint_age_seconds',
    help: 'Seconds since the oldest byte not yet acknowledged was read, per source; 0 when everything read is acknowledged (an idle source stays at 0). Alert when it stays above a few run.commit_ms.',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      for (const s of sources) {
        const at = s.oldestUnackedAt();
        this.set({ source: s.source.name }, at === 0 ? 0 : Math.max(0, now() - at) / 1000);
      }
    },
  });
  return registry;
}

/**
 * Samples in the Prometheus text exposition format, grouped by name, for
 * what components report of their own (appended to the registry's text).
 *
 * @example
 * res.end((await registry.metrics()) + exposition(samples));
 */
export function exposition(samples: readonly MetricSample[]): string {
  const byName = new Map<string, MetricSample[]>();
  for (const s of samples) {
    let list = byName.get(s.name);
    if (list === undefined) byName.set(s.name, (list = []));
    list.push(s);
  }
  let out = '';
  for (const [name, list] of byName) {
    out += `# HELP ${name} ${list[0]!.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${list[0]!.type}\n`;
    for (const s of list) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
      out += `${name}${labels.length > 0 ? `{${labels.join(',')}}` : ''} ${Number.isFinite(s.value) ? s.value : 0}\n`;
    }
  }
  return out;
}
