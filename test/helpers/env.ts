/**
 * Shared fixtures for pipeline, format and policy tests: a private temp
 * directory, an in-memory keyring on an injected clock, policies from YAML
 * text, and log lines stamped relative to that clock (so they never fall
 * out of the retention window as the calendar moves on).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../src/event/event.js';
import { components } from '../../src/components.js';
import { roleOfName } from '../../src/event/vocabulary.js';
import { COMBINED } from '../../src/formats/combined/index.js';
import { COMMON } from '../../src/formats/common/index.js';
import { compileTemplate } from '../../src/formats/engines/template/template.js';
import { TextFormat } from '../../src/formats/engines/template/text-format.js';
import type { DecodeOutcome, Format, FormatContext } from '../../src/formats/format.js';
import { VHOST_COMBINED } from '../../src/formats/vhost_combined/index.js';
import { AnonymiseStage } from '../../src/pipeline/anonymise.js';
import type { LinePipeline } from '../../src/pipeline/line-pipeline.js';
import { type LineHandler, LineSplitter, type RawDropReason } from '../../src/pipeline/line-splitter.js';
import type { LineStats } from '../../src/pipeline/stats.js';
import { buildLinePipeline, type BuildOptions, planFor } from '../../src/runtime/build.js';
import { loadPolicy, type LoadedPolicy } from '../../src/policy/load.js';
import type { FieldSpec, PolicyConfig } from '../../src/policy/schema.js';
import { parseDuration } from '../../src/time/duration.js';
import { createUserAgentGeneraliser } from '../../src/transforms/generalise-user-agent/generalise-user-agent.js';
import type { TransformContext } from '../../src/transforms/transform.js';
import { Pseudonymiser, pseudonymOptionsFromConfig } from '../../src/transforms/pseudonymise.js';
import { redactOptionsFromConfig } from '../../src/transforms/redact/config.js';
import { Redactor } from '../../src/transforms/redact/index.js';
import { ipTruncationFromConfig } from '../../src/transforms/truncate-ip.js';
import { MemoryKeyring } from './memory-keyring.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * The injected "now" of every test: a fixed instant, so runs are
 * reproducible whatever the date, and years from the real clock, so a
 * component that read the real clock instead would put events in another
 * salt epoch or outside the window and fail the tests.
 */
export const T0 = Date.UTC(2031, 2, 14, 12, 0, 0);

export interface TestEnv {
  /** A private temp directory (policies, salts); removed by cleanup(). */
  readonly root: string;
  /** In memory: these tests drive the engine line by line, without awaiting a prepare() (test/keyring/ covers the file keyring). */
  readonly keyring: MemoryKeyring;
  /** The clock every component reads; move `clock.t` to move time. */
  readonly clock: { t: number };
  readonly now: () => number;
  cleanup(): void;
}

/**
 * A temp directory with an in-memory keyring (P1D epochs, PT1H grace) on
 * an injected clock.
 *
 * @example
 * const env = makeEnv(); try { ... } finally { env.cleanup(); }
 */
export function makeEnv(t0: number = T0): TestEnv {
  const root = mkdtempSync(join(tmpdir(), 'gallra-test-'));
  const clock = { t: t0 };
  const now = (): number => clock.t;
  const keyring = new MemoryKeyring({ period: 'P1D', grace: parseDuration('PT1H')!, now });
  return {
    root,
    keyring,
    clock,
    now,
    cleanup() {
      keyring.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

let policySeq = 0;

/**
 * Loads a policy from YAML (or JSON) text written to a file in `env.root`;
 * without text, the built-in defaults.
 *
 * @example
 * const { config } = policyFrom(env, 'input:\n  format: combined\n');
 */
export function policyFrom(env: TestEnv, text?: string, ext = 'yaml'): LoadedPolicy {
  if (text === undefined) return loadPolicy(undefined, { GALLRA_STATE_DIR: env.root });
  const file = writePolicy(env, text, ext);
  return loadPolicy(file, { GALLRA_STATE_DIR: env.root });
}

/** Writes policy text to a fresh file under `env.root` and returns its path. */
export function writePolicy(env: TestEnv, text: string, ext = 'yaml'): string {
  const file = join(env.root, `policy-${++policySeq}.${ext}`);
  writeFileSync(file, text);
  return file;
}

/**
 * The per-line pipeline as tests drive it: one line in, its output line (or
 * undefined when it was dropped) out.
 */
export interface Anonymiser {
  readonly pipeline: LinePipeline;
  readonly stats: LineStats;
  readonly redactor: Redactor;
  readonly pseudonymiser: Pseudonymiser;
  /** Event time of the last line written. */
  readonly lastEventTime: number;
  beginBatch(): void;
  source(src: string, bytes: Uint8Array | undefined, byteBase: number): void;
  line(start: number, end: number): string | undefined;
  dropRaw(reason: RawDropReason, n?: number): void;
}

/**
 * A pipeline (built by the composition root, as the CLI builds it) over
 * `env`'s keyring and clock, with a policy from YAML text (or the defaults).
 *
 * @example
 * const a = makeAnonymiser(env, 'input:\n  format: json\n');
 */
export function makeAnonymiser(env: TestEnv, policy?: string | PolicyConfig, options: Partial<Omit<BuildOptions, 'policy' | 'keyring'>> = {}): Anonymiser {
  const config = typeof policy === 'object' ? policy : policyFrom(env, policy).config;
  const built = buildLinePipeline({ policy: config, keyring: env.keyring, now: env.now, ...options });
  const pipeline = built.pipeline;
  let last: string | undefined;
  let lastTime = NaN;
  pipeline.consumers.push({
    consume(ev: Event, format: Format) {
      last = format.encode(ev);
      lastTime = ev.time;
    },
  });
  return {
    pipeline,
    get stats() {
      return pipeline.syncStats();
    },
    redactor: built.redactor,
    pseudonymiser: built.pseudonymiser,
    get lastEventTime() {
      return lastTime;
    },
    beginBatch: () => pipeline.beginBatch(),
    source: (src, bytes, base) => pipeline.source(src, bytes, base),
    line(start, end) {
      last = undefined;
      pipeline.line(start, end);
      return last;
    },
    dropRaw: (reason, n) => pipeline.dropRaw(reason, n),
  };
}

/**
 * Runs one line through `a` (as its own source) and returns the output, or
 * undefined when it was dropped.
 *
 * @example
 * expect(anonymiseLine(a, line)).toBe('…');
 */
export function anonymiseLine(a: Anonymiser, line: string): string | undefined {
  a.beginBatch();
  a.source(line, undefined, 0);
  return a.line(0, line.length);
}

/**
 * Runs `input` through a LineSplitter (in the given chunk sizes, cycled)
 * into `a`, the way `gallra anonymise` does, and returns the output lines.
 *
 * @example
 * anonymiseText(a, `${line1}\n${line2}\n`)
 */
export function anonymiseText(a: Anonymiser, input: string | Buffer, chunkSizes: readonly number[] = [1 << 16], maxLineLength = 65_536): string[] {
  const out: string[] = [];
  const handler: LineHandler = {
    source: (src, bytes, base) => a.source(src, bytes, base),
    line(s, e) {
      const o = a.line(s, e);
      if (o !== undefined) out.push(o);
    },
    drop: (reason: RawDropReason) => a.dropRaw(reason),
  };
  const splitter = new LineSplitter(maxLineLength, handler);
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  let pos = 0;
  for (let k = 0; pos < buf.length; k++) {
    const n = Math.max(1, chunkSizes[k % chunkSizes.length]!);
    a.beginBatch();
    // A fresh copy per chunk, as a stream would hand over.
    splitter.push(Buffer.from(buf.subarray(pos, pos + n)));
    pos += n;
  }
  splitter.end();
  return out;
}

/**
 * A transform context like the Anonymiser's, over `env`'s keyring, for
 * testing formats and the op compiler on their own.
 *
 * @example
 * const ctx = makeContext(env); compileFieldOp({ transform: 'pseudonymise' }, 'user_id', 'user', ctx)
 */
export function makeContext(env: TestEnv, policy: PolicyConfig = policyFrom(env).config): TransformContext {
  const truncation = ipTruncationFromConfig(policy.ip);
  const pseudonymiser = new Pseudonymiser(env.keyring, pseudonymOptionsFromConfig(policy.pseudonym));
  return {
    truncation,
    redactor: new Redactor(redactOptionsFromConfig(policy.redact, truncation)),
    pseudonymiser,
    generaliseUserAgent: createUserAgentGeneraliser({ cacheSize: 100 }),
    visitorIdOf: (ev) => {
      if (ev.visitorId !== undefined) return ev.visitorId;
      const ip = ev.rawOf('client_ip');
      if (ip === undefined || ip === '-' || ip === '') return undefined;
      return (ev.visitorId = pseudonymiser.visitorId(ev.rawOf('host') ?? '', ip, ev.rawOf('user_agent') ?? '', ev.time));
    },
  };
}

/**
 * A format with a policy's field rules applied, driven the way the old
 * format API was: `parse` decodes a line into `record` (the format's event),
 * `write` anonymises it under the rules and encodes it.
 */
export interface FormatUnderTest {
  readonly format: Format;
  readonly record: Event;
  parse(src: string, start: number, end: number, _rec?: Event): DecodeOutcome;
  write(_rec?: Event): string;
}

/**
 * `format` under field rules `fields`, with `ctx`'s transforms.
 *
 * @example
 * const f = underPolicy(new TextFormat(t, [], formatContext('combined', fields)), fields, ctx);
 * if (f.parse(line, 0, line.length)) f.write();
 */
export function underPolicy(format: Format, fields: Readonly<Record<string, FieldSpec>>, ctx: TransformContext): FormatUnderTest {
  const plan = planFor(format, fields, ctx, components, false);
  const stage = new AnonymiseStage(ctx);
  return {
    format,
    record: format.event,
    parse: (src, start, end) => format.decode(src, start, end),
    write() {
      stage.apply(format.event, plan);
      return format.encode(format.event);
    },
  };
}

/**
 * The context a format is built with, for field rules `fields`.
 *
 * @example
 * new TextFormat(compileTemplate(COMBINED), [], formatContext('combined', { remote_addr: { transform: 'truncate-ip' } }))
 */
export function formatContext(name: string, fields: Readonly<Record<string, FieldSpec>>): FormatContext {
  return {
    name,
    fields: new Map(Object.entries(fields).map(([n, spec]) => [n, spec.transform === 'keep' || spec.transform === 'drop' ? spec.transform : 'transform'])),
    roleOf: (n) => roleOfName(n, Object.hasOwn(fields, n) ? fields[n]!.role : undefined),
  };
}

/**
 * A text format by template under field rules, as `gallra` builds it.
 *
 * @example
 * textFormat('combined', COMBINED, ['http_x_forwarded_for'], policy.fields, ctx)
 */
export function textFormat(name: string, template: string, extra: readonly string[], fields: Readonly<Record<string, FieldSpec>>, ctx: TransformContext): FormatUnderTest {
  return underPolicy(new TextFormat(compileTemplate(template), extra, formatContext(name, fields)), fields, ctx);
}

/** The built-in text layouts, by format name. */
export const BUILTIN_TEXT_FORMATS = { common: COMMON, combined: COMBINED, vhost_combined: VHOST_COMBINED } as const;
