/**
 * Reading back what gallra stored: an anonymised line is still a line of the
 * format it was read in (format-preserving output), so the policy's own
 * formats, from the registry, decode it again — its event time for the
 * sweeper (the day file that straddles the window start is rewritten by it)
 * and its fields for data-subject requests (pseudonyms and visitor ids are
 * compared with what the person's identifiers give).
 */
import { components } from '../components.js';
import { roleOfName } from '../event/vocabulary.js';
import type { Format, FormatContext } from '../formats/format.js';
import { Decoder } from '../pipeline/decode.js';
import { formatEntryFor } from '../policy/check.js';
import type { PolicyConfig } from '../policy/schema.js';
import type { Registry } from '../registry.js';
import { candidateNames, fieldRulesFor } from './build.js';

/** A stored line, decoded. */
export interface StoredEvent {
  /** The policy's name of the format that read it. */
  readonly format: string;
  /** Event time (ms), NaN when the line holds none. */
  readonly time: number;
  /** Every field the line holds, by name (dotted for nested JSON), as stored: text, or JSON values. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The host as the pipeline takes it for visitor ids (the first field with the host role), undefined when the line has none. */
  readonly host: string | undefined;
}

/** The names of the formats a policy's events can have been written in: input.format's and every source's. */
export function storedFormatNames(policy: PolicyConfig, registry: Registry = components): string[] {
  const chosen = new Set<string>([policy.input.format, ...(policy.sources ?? []).map((s) => s.format ?? policy.input.format)]);
  const names = new Set<string>();
  for (const c of chosen) for (const n of candidateNames(policy, c, registry)) names.add(n);
  return [...names];
}

/**
 * Decodes stored lines with the policy's formats.
 *
 * @example
 * const reader = new StoredLineReader(loaded.config);
 * reader.time('203.0.113.0 - u_Xq3… [14/Mar/2031:10:00:00 +0000] "GET / HTTP/1.1" 200 5') // Date.UTC(2031, 2, 14, 10)
 */
export class StoredLineReader {
  private readonly formats: Format[];
  private readonly decoder: Decoder;

  constructor(policy: PolicyConfig, registry: Registry = components) {
    this.formats = storedFormatNames(policy, registry).map((name) => readingFormat(policy, name, registry));
    this.decoder = new Decoder(this.formats);
  }

  /** The event time of a stored line; NaN when no format reads it or it holds no time. */
  time(line: string): number {
    const f = this.decode(line);
    return f === undefined ? NaN : f.event.time;
  }

  /** A stored line's format, time and fields; undefined when none of the policy's formats reads it. */
  read(line: string): StoredEvent | undefined {
    const f = this.decode(line);
    if (f === undefined) return undefined;
    const ev = f.event;
    const fields: Record<string, unknown> = {};
    ev.layout.names.forEach((name, slot) => {
      if (!ev.has(slot)) return;
      const start = ev.starts[slot]!;
      fields[name] = start >= 0 ? ev.src.slice(start, ev.ends[slot]) : ev.values[slot];
    });
    return { format: f.name, time: ev.time, fields, host: ev.rawOf('host') };
  }

  private decode(line: string): Format | undefined {
    this.decoder.source(line, undefined, 0);
    const i = this.decoder.decode(0, line.length);
    return i < 0 ? undefined : this.formats[i];
  }
}

/**
 * A policy's format built to read its own output: every field its rules
 * name is read (what the output holds of it is what a rule let through),
 * and so is the visitor id a format adds (`visitor_id:`).
 */
function readingFormat(policy: PolicyConfig, name: string, registry: Registry): Format {
  const rules = fieldRulesFor(policy, name);
  const config = policy.formats[name] ?? { fields: {} };
  const fields = new Map<string, 'keep'>(Object.keys(rules).map((n) => [n, 'keep']));
  if (typeof config.visitor_id === 'string') fields.set(config.visitor_id, 'keep');
  const ctx: FormatContext = { name, fields, roleOf: (n) => roleOfName(n, Object.hasOwn(rules, n) ? rules[n]!.role : undefined) };
  return formatEntryFor(registry, name).create(config, ctx);
}
