// A stand-in for node-rdkafka for bench/kafka-fake/run.mjs (only what the Kafka source and sink call).
// The consumer hands out pre-made lines as fresh messages, the producer drops what it gets.
const N = Number(process.env.FAKE_N ?? 200000);
// FAKE_SLOW=1: each value in a backing store of its own, as node-rdkafka hands them over (not slices of Buffer's pool).
const slow = process.env.FAKE_SLOW === '1';
const copySlow = (l) => {
  const b = Buffer.allocUnsafeSlow(l.length);
  b.latin1Write(l, 0);
  return b;
};
const P = 24;
const lines = globalThis.__fakeLines;
let handed = 0;
const offsets = new Array(P).fill(0);
class Base {
  constructor(conf) { this.conf = conf; this.handlers = {}; }
  on(ev, f) { (this.handlers[ev] ??= []).push(f); return this; }
  connect(opts, cb) { setImmediate(() => cb(null, {})); }
  setPollInterval() {}
  getMetadata(o, cb) { cb(null, {}); }
}
export class KafkaConsumer extends Base {
  constructor(conf, tconf) { super(conf); this.rb = conf.rebalance_cb; }
  setDefaultConsumeTimeout() {}
  subscribe(topics) { this.topics = topics; setImmediate(() => this.rb.call(this, { code: -175 }, Array.from({ length: P }, (_, p) => ({ topic: topics[0], partition: p })))); }
  rebalanceProtocol() { return 'NONE'; }
  assign() {}
  unassign() {}
  consume(n, cb) {
    setImmediate(() => {
      const out = [];
      // Runs per partition, as librdkafka returns them (a fetch's worth of one partition).
      let p = (handed / 100) % P | 0;
      while (out.length < n && handed < N) {
        const l = lines[handed % lines.length];
        out.push({ value: slow ? copySlow(l) : Buffer.from(l, 'latin1'), size: l.length, key: null, topic: this.topics[0], offset: offsets[p]++, partition: p, timestamp: Date.now() });
        handed++;
        if (handed % 100 === 0) p = (p + 1) % P;
      }
      if (handed >= N && out.length === 0) globalThis.__fakeDone?.();
      cb(null, out);
    });
  }
  commit() {}
  commitSync() {}
  committed(tps, t, cb) { cb(null, tps); }
  disconnect(cb) { setImmediate(cb); }
}
export class Producer extends Base {
  produce(topic, partition, value, key, ts, opaque, headers) { globalThis.__produced = (globalThis.__produced ?? 0) + 1; globalThis.__bytes = (globalThis.__bytes ?? 0) + value.length; }
  poll() {}
  flush(t, cb) { setImmediate(() => cb(null)); }
  disconnect(t, cb) { setImmediate(cb); }
}
export const CODES = { ERRORS: {} };
export default { KafkaConsumer, Producer, CODES };
