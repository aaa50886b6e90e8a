/**
 * Shared fixtures for pipeline, format and policy tests: a private temp
 * directory, an in-memory keyring on an injected clock, policies from YAML
 * text, and log lines stamped relative to that clock (so they never fall
 * out of the retention window as the calendar moves on).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Anonymiser, type AnonymiserOptions } from '../../src/pipeline/anonymiser.js';
import { type LineHandler, LineSplitter, type RawDropReason } from '../../src/pipeline/line-splitter.js';
import { loadPolicy, type LoadedPolicy } from '../../src/policy/load.js';
import { type PolicyConfig } from '../../src/policy/schema.js';
import { parseDuration } from '../../src/time/duration.js';
import { createUserAgentGeneraliser } from '../../src/transforms/generalise-user-agent.js';
import { type TransformContext } from '../../src/transforms/index.js';
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
 * An Anonymiser over `env`'s keyring and clock, with a policy from YAML
 * text (or the defaults).
 *
 * @example
 * const a = makeAnonymiser(env, 'input:\n  format: json\n');
 */
export function makeAnonymiser(env: TestEnv, policy?: string | PolicyConfig, options: Partial<AnonymiserOptions> = {}): Anonymiser {
  const config = typeof policy === 'object' ? policy : policyFrom(env, policy).config;
  return new Anonymiser({ policy: config, keyring: env.keyring, now: env.now, ...options });
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
    visitorIdOf: (rec) => {
      if (rec.visitorId !== undefined) return rec.visitorId;
      const ip = rec.rawOf('client_ip');
      if (ip === undefined || ip === '-' || ip === '') return undefined;
      return (rec.visitorId = pseudonymiser.visitorId(rec.rawOf('host') ?? '', ip, rec.rawOf('user_agent') ?? '', rec.time));
    },
  };
}
