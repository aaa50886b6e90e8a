/**
 * zod, deferred. Every component declares its config schema beside its code,
 * so importing the registry would load zod (about a sixth of a second of CPU
 * at start) even for `gallra anonymise` under the built-in policy, which reads
 * a precomputed policy and validates nothing. Modules therefore build schemas
 * with this `z`: until zod is installed (by util/zod-real.ts, which the policy
 * loader imports) each `z.string().min(1)` is only recorded; once it is, each
 * recorded schema is built on first use and then stands for it — property
 * reads, calls and `instanceof` go to the real schema — and new calls go
 * straight to zod. Using a schema (parse, inspect) before zod is installed
 * throws: a schema is never silently empty.
 */
import type { z as Zod } from 'zod';

type ZodNamespace = typeof Zod;

let real: ZodNamespace | undefined;

/**
 * Hands zod over; called once by util/zod-real.ts.
 *
 * @example
 * installZod(z) // import { z } from 'zod'
 */
export function installZod(z: ZodNamespace): void {
  real ??= z;
}

/** Whether zod is installed (schemas are real). */
export function zodInstalled(): boolean {
  return real !== undefined;
}

/** How a recorded value comes about. */
type Recipe = { readonly kind: 'root' } | { readonly kind: 'get'; readonly base: object; readonly key: string } | { readonly kind: 'call'; readonly fn: object; readonly args: readonly unknown[] };

interface Node {
  readonly recipe: Recipe;
  built: boolean;
  value: unknown;
}

const nodes = new WeakMap<object, Node>();

/** Members that use or inspect a schema rather than build a new one: reading them needs the real schema. */
const USES = new Set(['parse', 'safeParse', 'parseAsync', 'safeParseAsync', 'spa', 'encode', 'decode', 'safeEncode', 'safeDecode', '_zod', 'def', 'shape', 'type', '~standard', 'isOptional', 'isNullable', 'unwrap', 'keyof', 'description', 'toJSONSchema']);

function build(proxy: object): unknown {
  const node = nodes.get(proxy)!;
  if (node.built) return node.value;
  if (real === undefined) throw new Error('internal: a config schema was used before zod was loaded (import util/zod-real.js first)');
  const r = node.recipe;
  let value: unknown;
  if (r.kind === 'root') value = real;
  else if (r.kind === 'get') value = Reflect.get(build(r.base) as object, r.key);
  else {
    const fn = nodes.get(r.fn)!.recipe;
    if (fn.kind !== 'get') throw new Error('internal: a deferred zod value called that is not a method');
    const self = build(fn.base) as Record<string, (...a: unknown[]) => unknown>;
    value = self[fn.key]!(...r.args.map(realOf));
  }
  node.built = true;
  node.value = value;
  return value;
}

/** The real value for a recorded one, also inside plain objects and arrays (a shape, a list of options). */
function realOf(v: unknown): unknown {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
  if (nodes.has(v)) return build(v);
  if (Array.isArray(v)) {
    const out = v.map(realOf);
    return out.some((x, i) => x !== v[i]) ? out : v;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (typeof v === 'object' && (proto === Object.prototype || proto === null)) {
    const entries = Object.entries(v).map(([k, x]) => [k, realOf(x)] as const);
    return entries.some(([k, x]) => x !== (v as Record<string, unknown>)[k]) ? Object.fromEntries(entries) : v;
  }
  return v;
}

function tooEarly(): never {
  throw new Error('internal: a config schema was inspected before zod was loaded (import util/zod-real.js first)');
}

const handler: ProxyHandler<object> = {
  get(_target, key, receiver) {
    if (real !== undefined) return Reflect.get(build(receiver as object) as object, key);
    if (typeof key === 'symbol' || key === 'then') return undefined;
    if (USES.has(key)) tooEarly();
    return deferred({ kind: 'get', base: receiver as object, key }, true);
  },
  apply(target, _self, args) {
    const proxy = proxies.get(target)!;
    if (real !== undefined) {
      const fn = nodes.get(proxy)!.recipe;
      if (fn.kind !== 'get') return tooEarly();
      const self = build(fn.base) as Record<string, (...a: unknown[]) => unknown>;
      return self[fn.key]!(...args.map(realOf));
    }
    return deferred({ kind: 'call', fn: proxy, args }, false);
  },
  has: (target, key) => (real !== undefined ? Reflect.has(build(proxies.get(target)!) as object, key) : tooEarly()),
  ownKeys: (target) => (real !== undefined ? Reflect.ownKeys(build(proxies.get(target)!) as object) : tooEarly()),
  getOwnPropertyDescriptor(target, key) {
    if (real === undefined) return tooEarly();
    const d = Reflect.getOwnPropertyDescriptor(build(proxies.get(target)!) as object, key);
    // The proxy's own target is empty: a property can only be reported as configurable.
    return d === undefined ? undefined : { ...d, configurable: true };
  },
  getPrototypeOf: (target) => (real !== undefined ? Reflect.getPrototypeOf(build(proxies.get(target)!) as object) : Object.prototype),
  set: (target, key, v) => (real !== undefined ? Reflect.set(build(proxies.get(target)!) as object, key, v) : tooEarly()),
  defineProperty: () => tooEarly(),
  deleteProperty: () => tooEarly(),
};

/** Proxy target → its proxy (traps get the target). */
const proxies = new WeakMap<object, object>();

function deferred(recipe: Recipe, callable: boolean): object {
  // Method references are functions (callable), schemas and the namespace objects, as in zod.
  const target: object = callable ? function deferredZod() {} : {};
  const proxy = new Proxy(target, handler);
  proxies.set(target, proxy);
  nodes.set(proxy, { recipe, built: false, value: undefined });
  return proxy;
}

/**
 * zod's `z`, deferred until zod is installed (see above). Types are zod's own.
 *
 * @example
 * const portSchema = z.int().min(1).max(65535);
 */
export const z = deferred({ kind: 'root' }, false) as ZodNamespace;

// zod's type members used beside `z` (a namespace of types merges with the value).
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace z {
  export type ZodType<O = unknown, I = unknown> = Zod.ZodType<O, I>;
  export type ZodObject = Zod.ZodObject;
  export type infer<T> = Zod.infer<T>;
}
