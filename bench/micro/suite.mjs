// Shared runner for the micro-benchmarks: checks each candidate's output
// against the one that ships before timing anything, then runs a
// benchmark.js suite and prints ns/op and the ratio to the shipped one.
import os from 'node:os';
import Benchmark from 'benchmark';
import assert from 'node:assert/strict';

/**
 * `sameAsShipped: false` marks a candidate that is timed for comparison but
 * knowingly answers differently (a weaker regex, another hash function),
 * so its output is not held to the shipped one's.
 *
 * @param {string} title
 * @param {{ name: string, fn: () => unknown, check?: () => unknown, ships?: boolean, sameAsShipped?: boolean }[]} candidates
 */
export function runSuite(title, candidates) {
  const shipped = candidates.find((c) => c.ships) ?? candidates[0];
  const expected = shipped.check ? shipped.check() : undefined;
  for (const c of candidates) {
    if (c.check && c !== shipped && c.sameAsShipped !== false) assert.deepEqual(c.check(), expected, `${c.name} disagrees with ${shipped.name}`);
  }
  const suite = new Benchmark.Suite(title);
  for (const c of candidates) suite.add(c.name, c.fn, { minSamples: 20 });
  const results = [];
  suite.on('cycle', (e) => results.push(e.target));
  suite.run();
  const base = results.find((r) => r.name === shipped.name);
  console.log(`\n${title} — ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`);
  for (const r of results) {
    const ns = 1e9 / r.hz;
    const ratio = base ? (1 / r.hz) / (1 / base.hz) : 1;
    console.log(`  ${r.name.padEnd(44)} ${ns.toFixed(1).padStart(9)} ns/op  ±${r.stats.rme.toFixed(1)}%  ${ratio.toFixed(2)}× ${r.name === shipped.name ? '(ships)' : ''}`);
  }
  return results;
}
