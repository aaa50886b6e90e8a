// Child process for the retention test in string-cache.test.ts; run with --expose-gc.
// Usage: node --expose-gc detach-child.mjs <compiled string-cache.mjs> <detach|slice>
// Builds a ~50 MB string, keeps a 20-character slice of it (detached or not),
// drops the big string, collects garbage and reports heap use in bytes.
import { pathToFileURL } from 'node:url';

const [modulePath, mode] = process.argv.slice(2);
const { detach } = await import(pathToFileURL(modulePath).href);
const SIZE = 50_000_000;

const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

const base = heap();
let big = 'abcdefghij'.repeat(SIZE / 10);
let key = big.slice(1_000_000, 1_000_020); // flattens `big`, then refers into it
const withBig = heap();
let kept = mode === 'detach' ? detach(key) : key;
big = undefined;
key = undefined;
const after = heap();
// `kept` is still referenced here, after the measurement.
process.stdout.write(JSON.stringify({ base, withBig, after, kept }) + '\n');
