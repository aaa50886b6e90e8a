/**
 * gallra's own log (pino, JSON lines on stderr; stdout carries data).
 *
 * The rule is that gallra never logs input: messages name line numbers,
 * reasons and counts, never content. As a second line of defence every
 * string that reaches the logger — message, fields, error messages and
 * stacks — passes through the free-text redactor with the strictest IP rule,
 * so an address or identifier that slips into an error text from a library
 * is still scrubbed before it is written.
 */
import { pino, type Logger } from 'pino';
import { DEFAULT_REDACT_OPTIONS, Redactor } from './transforms/redact/index.js';
import { IP_PRESETS } from './transforms/truncate-ip.js';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const scrubber = new Redactor({ ...DEFAULT_REDACT_OPTIONS, ip: { ...IP_PRESETS.strict, keepPort: false } });

/**
 * A copy of `value` with every string scrubbed (depth-limited).
 *
 * @example
 * scrubLogValue({ msg: 'from 81.6.12.34' }) // { msg: 'from 81.6.0.0' }
 */
export function scrubLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubber.redact(value);
  if (depth > 6 || typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) {
    const e: Record<string, unknown> = { type: value.name, message: scrubber.redact(value.message) };
    if (value.stack !== undefined) e.stack = scrubber.redact(value.stack);
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) e.code = code;
    return e;
  }
  if (Array.isArray(value)) return value.map((v) => scrubLogValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubLogValue(v, depth + 1);
  return out;
}

/**
 * The process logger. `destination` defaults to stderr (fd 2).
 *
 * @example
 * const log = createLogger('info');
 * log.warn({ file: 'access.log.2.gz', line: 812 }, 'gzip stream ended early');
 */
export function createLogger(level: LogLevel = 'warn', destination: number | NodeJS.WritableStream = 2): Logger {
  return pino(
    {
      name: 'gallra',
      level,
      base: { pid: process.pid },
      // pino's err serializer copies every own property of an error; ours keeps only scrubbed text.
      serializers: { err: (e: unknown) => scrubLogValue(e) },
      formatters: { log: (obj) => scrubLogValue(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => scrubLogValue(a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
  );
}
