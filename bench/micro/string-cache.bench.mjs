// Memoising user-agent generalisation: gallra's byte-hash cache against a
// Map keyed by the freshly sliced string (what the obvious code does) and no
// memo at all. Keys are sliced from a chunk string per lookup, as on the hot path.
import { StringCache, hashBytes } from '../../dist/util/string-cache.js';
import { generaliseUserAgent } from '../../dist/transforms/generalise-user-agent/generalise-user-agent.js';
import { runSuite } from './suite.mjs';

const agents = [];
for (let v = 110; v <= 126; v++) {
  for (const os of ['Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 10_15_7', 'X11; Linux x86_64']) {
    agents.push(`Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`);
  }
}
const chunk = agents.join('\n');
const bytes = Buffer.from(chunk, 'latin1');
const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
const ranges = [];
for (let p = 0, k = 0; k < agents.length; k++) {
  ranges.push([p, p + agents[k].length]);
  p += agents[k].length + 1;
}
const cache = new StringCache(1024);
const map = new Map();
let i = 0;
const viaCache = (k) => {
  const [s, e] = ranges[k];
  const h = hashBytes(view, s, e);
  let v = cache.getRange(chunk, s, e, h);
  if (v === undefined) cache.setHashed(chunk.slice(s, e), h, (v = generaliseUserAgent(chunk.slice(s, e))));
  return v;
};
const viaMap = (k) => {
  const key = chunk.slice(ranges[k][0], ranges[k][1]);
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = generaliseUserAgent(key)));
  return v;
};
const n = agents.length;
runSuite('user-agent memo, 51 agents of ~110 bytes', [
  { name: 'StringCache: hash bytes + one compare (ships)', fn: () => viaCache(i++ % n), check: () => agents.map((_, k) => viaCache(k)), ships: true },
  { name: 'Map keyed by the sliced string', fn: () => viaMap(i++ % n), check: () => agents.map((_, k) => viaMap(k)) },
  { name: 'no memo', fn: () => generaliseUserAgent(chunk.slice(ranges[i % n][0], ranges[i++ % n][1])), check: () => agents.map((a) => generaliseUserAgent(a)) },
]);
