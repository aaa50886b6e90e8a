/**
 * The anonymisation engine for one line at a time:
 *
 *   line → format (parse) → retention gate → policy transforms → format (write)
 *
 * A line that fails anywhere is counted by reason and never written raw (the
 * one exception is input.unparsed: scrub, which writes it after free-text
 * redaction). Nothing here throws on input; only a broken keyring (which would
 * make pseudonyms impossible) stops the pipeline.
 */
import { AUTO_ORDER, BUILTIN_TEXT_FORMATS } from '../formats/builtin.js';
import { type FieldSpec } from '../formats/config.js';
import { type LineFormat, MATCH, MATCH_APPENDED, NO_MATCH, type ParseOutcome } from '../formats/format.js';
import { JsonFormat } from '../formats/json.js';
import { compileTemplate } from '../formats/template.js';
import { TextFormat } from '../formats/text.js';
import { type Keyring } from '../keyring/keyring.js';
import { type PolicyConfig } from '../policy/schema.js';
import { type LogRecord } from '../record.js';
import { retentionWindowFromConfig } from '../retention/config.js';
import { RetentionGate, WINDOW_EXPIRED, WINDOW_INSIDE } from '../retention/window.js';
import { createUserAgentGeneraliser } from '../transforms/generalise-user-agent.js';
import { type TransformContext } from '../transforms/index.js';
import { Pseudonymiser, pseudonymOptionsFromConfig } from '../transforms/pseudonymise.js';
import { redactOptionsFromConfig } from '../transforms/redact/config.js';
import { Redactor } from '../transforms/redact/index.js';
import { ipTruncationFromConfig } from '../transforms/truncate-ip.js';
import { type LineHandler, type RawDropReason } from './line-splitter.js';
import { LineStats } from './stats.js';

export interface AnonymiserOptions {
  readonly policy: PolicyConfig;
  readonly keyring: Keyring;
  /** Overrides input.format (the --format flag). */
  readonly format?: string;
  /** Overrides input.unparsed (the --unparsed flag). */
  readonly unparsed?: 'drop' | 'scrub';
  /** The clock: retention cutoff, arrival stamps. */
  readonly now?: () => number;
}


/**
 * Builds every format the policy defines, compiled against one transform
 * context.
 *
 * @example
 * const formats = buildFormats(config, ctx); formats.get('combined')
 */
export function buildFormats(policy: PolicyConfig, ctx: TransformContext): Map<string, LineFormat> {
  const formats = new Map<string, LineFormat>();
  for (const [name, f] of Object.entries(policy.formats)) {
    const fields: Record<string, FieldSpec> = { ...policy.fields, ...f.fields };
    if (name === 'json') {
      formats.set(name, new JsonFormat({ fields, timestampFields: f.timestamp_fields ?? [], visitorIdField: f.visitor_id === false ? undefined : f.visitor_id }, ctx));
    } else {
      const source = f.log_format ?? BUILTIN_TEXT_FORMATS[name as keyof typeof BUILTIN_TEXT_FORMATS];
      formats.set(name, new TextFormat(name, compileTemplate(source), f.extra_fields ?? [], fields, ctx));
    }
  }
  return formats;
}

/**
 * Anonymises lines under a policy.
 *
 * @example
 * const a = new Anonymiser({ policy: loaded.config, keyring });
 * const line = '81.6.12.34 - alice [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0"';
 * a.beginBatch();
 * a.source(line, undefined, 0);
 * const out = a.line(0, line.length);
 */
export class Anonymiser {
  readonly stats = new LineStats();
  readonly redactor: Redactor;
  readonly pseudonymiser: Pseudonymiser;
  private readonly gate: RetentionGate;
  private readonly now: () => number;
  /** Formats to try, in order; one for a fixed format. */
  private readonly candidates: LineFormat[];
  private lastHit = 0;
  private readonly scrub: boolean;
  private readonly arrival: boolean;
  private nowMs = 0;
  /** Event time of the last line written (NaN for a scrubbed line): sinks file lines by event day. */
  lastEventTime = NaN;
  private src = '';
  private bytes: Uint8Array | undefined = undefined;
  private byteView: DataView | undefined = undefined;
  private byteBase = 0;

  constructor(options: AnonymiserOptions) {
    const { policy } = options;
    this.now = options.now ?? Date.now;
    const truncation = ipTruncationFromConfig(policy.ip);
    this.redactor = new Redactor(redactOptionsFromConfig(policy.redact, truncation));
    this.pseudonymiser = new Pseudonymiser(options.keyring, pseudonymOptionsFromConfig(policy.pseudonym));
    const pseudonymiser = this.pseudonymiser;
    const ctx: TransformContext = {
      truncation,
      redactor: this.redactor,
      pseudonymiser,
      // No cache of its own: the formats memoise user agents already (by their bytes, in text formats).
      generaliseUserAgent: createUserAgentGeneraliser({ cacheSize: 0 }),
      visitorIdOf: (rec: LogRecord) => {
        if (rec.visitorId !== undefined) return rec.visitorId;
        const ip = rec.rawOf('client_ip');
        // Without an address there is no visitor to tell apart; do not invent one.
        if (ip === undefined || ip === '-' || ip === '') return undefined;
        return (rec.visitorId = pseudonymiser.visitorId(rec.rawOf('host') ?? '', ip, rec.rawOf('user_agent') ?? '', rec.time));
      },
    };
    const formats = buildFormats(policy, ctx);
    const chosen = options.format ?? policy.input.format;
    if (chosen === 'auto') {
      // The operator's own layouts first (most specific), then the built-ins.
      const custom = [...formats.keys()].filter((n) => !(AUTO_ORDER as readonly string[]).includes(n));
      this.candidates = [...custom, ...AUTO_ORDER.filter((n) => formats.has(n))].map((n) => formats.get(n)!);
    } else {
      const f = formats.get(chosen);
      if (f === undefined) throw new RangeError(`unknown format ${chosen}`);
      this.candidates = [f];
    }
    this.gate = new RetentionGate(retentionWindowFromConfig(policy.retention), this.now);
    this.scrub = (options.unparsed ?? policy.input.unparsed) === 'scrub';
    this.arrival = policy.input.missing_timestamp === 'arrival';
    this.beginBatch();
  }

  /** Reads the clock for the lines that follow; call once per chunk or batch. */
  beginBatch(): void {
    this.nowMs = this.now();
    this.gate.refresh(this.nowMs);
  }

  /**
   * Says where the lines that follow live: `src`, and (when the text is
   * ASCII) the same characters as bytes from `byteBase` in `bytes`, which
   * lets formats hash fields without slicing them.
   */
  source(src: string, bytes: Uint8Array | undefined, byteBase: number): void {
    this.src = src;
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.byteView = bytes === undefined ? undefined : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    this.byteBase = byteBase;
  }

  /**
   * The anonymised form of the line `src[start..end)` of the current
   * {@link source} (without its newline), or undefined when it is dropped —
   * the reason is counted in {@link stats}.
   */
  line(start: number, end: number): string | undefined {
    const stats = this.stats;
    stats.linesIn++;
    if (end <= start) {
      stats.drop('empty');
      return undefined;
    }
    const format = this.detect(this.src, start, end);
    if (format === undefined) {
      if (this.scrub) {
        stats.scrubbed++;
        stats.linesOut++;
        this.lastEventTime = NaN;
        return this.redactor.redact(this.src.slice(start, end));
      }
      stats.drop('unparsed');
      return undefined;
    }
    const rec = format.record;
    if (Number.isNaN(rec.time)) {
      if (!this.arrival) {
        stats.drop('no_timestamp');
        return undefined;
      }
      rec.time = this.nowMs;
    }
    const verdict = this.gate.verdict(rec.time);
    if (verdict !== WINDOW_INSIDE) {
      stats.drop(verdict === WINDOW_EXPIRED ? 'expired' : 'future');
      return undefined;
    }
    stats.linesOut++;
    this.lastEventTime = rec.time;
    return format.write(rec);
  }

  /** Counts a line the reader dropped before it became a string (bad bytes, too long). */
  dropRaw(reason: RawDropReason, n = 1): void {
    this.stats.linesIn += n;
    this.stats.drop(reason, n);
  }

  /**
   * The format that parses the line. The last format that matched is tried
   * first (logs are homogeneous); a match with appended fields is only
   * tentative, because a more specific format (earlier in the order: combined
   * before common) may read those fields as its own.
   */
  private detect(src: string, start: number, end: number): LineFormat | undefined {
    const c = this.candidates;
    const last = this.lastHit;
    const first = this.tryParse(c[last]!, src, start, end);
    if (first === MATCH) return c[last];
    const limit = first === MATCH_APPENDED ? last : c.length;
    for (let i = 0; i < limit; i++) {
      if (i === last) continue;
      const outcome = this.tryParse(c[i]!, src, start, end);
      if (outcome === NO_MATCH) continue;
      // A tentative match further down the order cannot beat the one in hand.
      this.lastHit = i;
      return c[i];
    }
    return first === MATCH_APPENDED ? c[last] : undefined;
  }

  private tryParse(f: LineFormat, src: string, start: number, end: number): ParseOutcome {
    const rec = f.record;
    rec.bytes = this.bytes;
    rec.byteView = this.byteView;
    rec.byteBase = this.byteBase;
    return f.parse(src, start, end, rec);
  }
}

/**
 * A line handler that runs every line through `a` and collects the output
 * lines (newline-terminated) until take() — what `anonymise` and its worker
 * threads write.
 *
 * @example
 * const c = collectOutput(anonymiser); new LineSplitter(65536, c.handler).push(chunk); out.write(c.take());
 */
export function collectOutput(a: Anonymiser): { readonly handler: LineHandler; take(): string } {
  let out = '';
  return {
    handler: {
      source: (src, bytes, byteBase) => a.source(src, bytes, byteBase),
      line(start, end) {
        const o = a.line(start, end);
        if (o !== undefined) out += o + '\n';
      },
      drop: (reason) => a.dropRaw(reason),
    },
    take(): string {
      const text = out;
      out = '';
      return text;
    },
  };
}
