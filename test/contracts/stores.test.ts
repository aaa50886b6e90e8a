/**
 * Every registered aggregate store keeps the store contract (store.case.ts).
 * Each gets a harness here — its config with its files in a fresh
 * directory — and a store without one fails the first test.
 */
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { components } from '../../src/components.js';
import { storeContract, type StoreHarness } from './store.case.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const makeDir = (): string => {
  const d = fs.mkdtempSync(path.join(tmpdir(), 'gallra-store-contract-'));
  dirs.push(d);
  return d;
};

const HARNESSES: Record<string, StoreHarness> = {
  duckdb: { config: (dir) => ({ path: path.join(dir, 'agg.duckdb'), threads: 1, memory_limit: '128MB' }) },
};

describe('aggregate stores', () => {
  it('has a contract harness for every registered store', () => {
    expect([...components.stores.keys()].filter((n) => HARNESSES[n] === undefined)).toEqual([]);
    expect(components.stores.size).toBeGreaterThan(0);
  });
});

for (const [name, entry] of components.stores) {
  const harness = HARNESSES[name];
  if (harness !== undefined) storeContract(entry, harness, makeDir);
}
