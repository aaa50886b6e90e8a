/**
 * gallra's own log (pino, JSON lines on stderr; stdout carries data).
 *
 * The rule is that gallra never logs input: messages name line numbers,
 * reasons and counts, never content. As a second line of defence every
 * string that reaches the logger — message, fields, error messages and
 * stacks — passes through the free-text redactor with the strictest IP rule,
 * so an address or identifier that slips into an error text from a library
 * is still scrubbed before it is written.
 *
 * The scrub happens twice: on the values handed to the logger (so binary
 * buffers and error objects are reduced before pino serialises them) and on
 * the finished JSON line (so what pino assembles itself — a message
 * interpolated from `%s` arguments, child-logger bindings, keys — is covered
 * too: `log.info('from %s.%s', '81.6', '12.34')` only forms an address after
 * interpolation).
 */
import { createRequire } from 'node:module';
import type { Logger, pino as Pino } from 'pino';
import { DEFAULT_REDACT_OPTIONS, Redactor } from './transforms/redact/index.js';
import { IP_PRESETS } from './transforms/truncate-ip.js';
import type { LogLevel } from './util/log-levels.js';

export type { Logger };

export { LOG_LEVELS, type LogLevel } from './util/log-levels.js';

const scrubber = new Redactor({ ...DEFAULT_REDACT_OPTIONS, ip: { ...IP_PRESETS.strict, keepPort: false } });

/** Nesting below this is not walked: it is replaced, never copied raw. */
const MAX_DEPTH = 8;
const TOO_DEEP = '[nested too deep]';

/**
 * Scrubs one string with the log redactor (strictest IP rule, every detector on).
 *
 * @example
 * scrubLogText('from 81.6.12.34') // 'from 81.6.0.0'
 */
export function scrubLogText(s: string): string {
  return scrubber.redact(s);
}

/**
 * A copy of `value` with every string — keys included — scrubbed. Nesting
 * deeper than a fixed limit is replaced by a marker (never passed through);
 * buffers become their length (their bytes may be an input line); errors keep
 * type, message, stack, code and cause, not their other properties.
 *
 * @example
 * scrubLogValue({ msg: 'from 81.6.12.34' }) // { msg: 'from 81.6.0.0' }
 */
export function scrubLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubber.redact(value);
  if (typeof value !== 'object' || value === null) return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  if (depth > MAX_DEPTH) return TOO_DEEP;
  if (value instanceof Error) {
    const e: Record<string, unknown> = { type: value.name, message: scrubber.redact(value.message) };
    if (value.stack !== undefined) e.stack = scrubber.redact(value.stack);
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) e.code = scrubLogValue(code, depth + 1);
    if (value.cause !== undefined) e.cause = scrubLogValue(value.cause, depth + 1);
    return e;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[binary, ${value.byteLength} bytes]`;
  if (value instanceof Map) return scrubLogValue(Object.fromEntries(value), depth);
  if (value instanceof Set) return scrubLogValue([...value], depth);
  if (Array.isArray(value)) return value.map((v) => scrubLogValue(v, depth + 1));
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    try {
      return scrubLogValue(toJSON.call(value), depth + 1);
    } catch {
      return '[unserialisable]';
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[scrubber.redact(k)] = scrubLogValue(v, depth + 1);
  return out;
}

/** The last pass over a finished JSON log line. */
function scrubLine(line: string): string {
  try {
    return `${JSON.stringify(scrubLogValue(JSON.parse(line), -Infinity))}\n`;
  } catch {
    // Not JSON (cannot happen with pino's own serialiser): keep nothing of it but its scrubbed text.
    return `${JSON.stringify({ msg: scrubber.redact(line.trimEnd()) })}\n`;
  }
}

/**
 * The process logger. `destination` defaults to stderr (fd 2).
 *
 * @example
 * const log = createLogger('info');
 * log.warn({ file: 'access.log.2.gz', line: 812 }, 'gzip stream ended early');
 */
export function createLogger(level: LogLevel = 'warn', destination: number | NodeJS.WritableStream = 2): Logger {
  // pino is loaded with the first line actually written: a one-shot command at
  // the default level (warn) that has nothing to warn about never loads it.
  let real: Logger | undefined;
  const get = (): Logger => (real ??= makePino(level, destination));
  const threshold = LEVEL_VALUES[level];
  return new Proxy({} as Logger, {
    get(_target, prop) {
      if (typeof prop === 'string' && Object.hasOwn(LEVEL_VALUES, prop) && prop !== 'silent' && LEVEL_VALUES[prop as LogLevel] < threshold) return noop;
      if (prop === 'level') return level;
      const v = get()[prop as keyof Logger];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(get()) : v;
    },
  });
}

/** pino's level numbers; `silent` is above every level. */
const LEVEL_VALUES: Readonly<Record<LogLevel, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
const noop = (): void => undefined;
const require = createRequire(import.meta.url);

function makePino(level: LogLevel, destination: number | NodeJS.WritableStream): Logger {
  const { pino } = require('pino') as { pino: typeof Pino };
  return pino(
    {
      name: 'gallra',
      level,
      base: { pid: process.pid },
      // pino's err serializer copies every own property of an error; ours keeps only scrubbed text.
      serializers: { err: (e: unknown) => scrubLogValue(e) },
      formatters: {
        log: (obj) => scrubLogValue(obj) as Record<string, unknown>,
        bindings: (b) => scrubLogValue(b) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => scrubLogValue(a)) as unknown[];
          // An error logged on its own: keep pino's shape ({ err }, its message as msg) after scrubbing.
          const first = args[0];
          if (first instanceof Error) {
            scrubbed[0] = { err: scrubbed[0] };
            if (scrubbed.length === 1) scrubbed.push((scrubbed[0] as { err: { message: string } }).err.message);
          }
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
        streamWrite: scrubLine,
      },
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
  );
}
