/**
 * The composition root of the per-line pipeline: builds decode → gate →
 * anonymise → fan-out from a policy and the component registry. `gallra
 * anonymise`, `gallra run` (one per source) and the `--threads` workers all
 * build theirs here, so they cannot drift apart.
 */
import { pipelineComponents as components } from '../pipeline-components.js';
import type { Event } from '../event/event.js';
import { type Role, roleOfName } from '../event/vocabulary.js';
import { GallraError } from '../errors.js';
import { SCRUB_FIELD_RULES, ScrubFormat } from '../formats/engines/scrub/scrub-format.js';
import type { FieldDisposition, Format, FormatContext } from '../formats/format.js';
import type { Keyring } from '../keyring/keyring.js';
import { AnonymisePlan, AnonymiseStage } from '../pipeline/anonymise.js';
import { Decoder } from '../pipeline/decode.js';
import { LinePipeline } from '../pipeline/line-pipeline.js';
import type { FieldSpec, PolicyConfig } from '../policy/schema.js';
import { formatEntryFor, type Registry } from '../registry.js';
import { retentionWindowFromConfig } from '../retention/config.js';
import { RetentionGate } from '../retention/window.js';
import { createUserAgentGeneraliser } from '../transforms/generalise-user-agent/generalise-user-agent.js';
import { Pseudonymiser, pseudonymOptionsFromConfig } from '../transforms/pseudonymise.js';
import { redactOptionsFromConfig } from '../transforms/redact/config.js';
import { Redactor } from '../transforms/redact/index.js';
import { type CompiledOp, DROP_OP, type TransformContext } from '../transforms/transform.js';
import { ipTruncationFromConfig } from '../transforms/truncate-ip.js';
import { subscriberOf } from '../transforms/visitor-id/subscriber.js';

export interface BuildOptions {
  readonly policy: PolicyConfig;
  readonly keyring: Keyring;
  /** Overrides input.format (the --format flag, a source's `format:`). */
  readonly format?: string | undefined;
  /** Overrides input.unparsed (the --unparsed flag). */
  readonly unparsed?: 'drop' | 'scrub' | undefined;
  /** The clock: retention cutoff, arrival stamps. */
  readonly now?: () => number;
  /** Derive every event's visitor id (the aggregate stage counts visitors). */
  readonly deriveVisitorId?: boolean;
  readonly registry?: Registry;
}

/** A built pipeline and the parts housekeeping and metrics reach into. */
export interface BuiltPipeline {
  readonly pipeline: LinePipeline;
  readonly pseudonymiser: Pseudonymiser;
  readonly redactor: Redactor;
  readonly context: TransformContext;
}

/**
 * The transform context for a policy: what every field transform may use.
 *
 * @example
 * const ctx = transformContext(policy, keyring);
 */
export function transformContext(policy: PolicyConfig, keyring: Keyring): TransformContext {
  const truncation = ipTruncationFromConfig(policy.ip);
  const pseudonymiser = new Pseudonymiser(keyring, pseudonymOptionsFromConfig(policy.pseudonym));
  // National numbers are read as the served MSISDN's pseudonyms read them (the cdr format is the one that names subscribers).
  const msisdnRule = fieldRulesFor(policy, 'cdr')['msisdn'];
  const subscriberCountry = typeof msisdnRule?.default_country === 'string' ? msisdnRule.default_country : undefined;
  return {
    truncation,
    redactor: new Redactor(redactOptionsFromConfig(policy.redact, truncation)),
    pseudonymiser,
    // No cache of its own: the anonymise stage memoises user agents already (by their bytes, in text formats).
    generaliseUserAgent: createUserAgentGeneraliser({ cacheSize: 0 }),
    visitorIdOf: (ev: Event) => {
      if (ev.visitorId !== undefined) return ev.visitorId;
      const subscriber = subscriberOf(ev, subscriberCountry);
      if (subscriber !== undefined) return (ev.visitorId = pseudonymiser.visitorId('', subscriber, '', ev.time));
      const ip = ev.rawOf('client_ip');
      // Without an address there is no visitor to tell apart; do not invent one.
      if (ip === undefined || ip === '-' || ip === '') return undefined;
      return (ev.visitorId = pseudonymiser.visitorId(ev.rawOf('host') ?? '', ip, ev.rawOf('user_agent') ?? '', ev.time));
    },
  };
}

/** The field rules that apply to format `name`: the shared `fields:` with the format's own over them. */
export function fieldRulesFor(policy: PolicyConfig, name: string): Readonly<Record<string, FieldSpec>> {
  // Memoised per policy (policies are never changed once loaded): `auto` asks for every format twice.
  let byName = RULES.get(policy);
  if (byName === undefined) RULES.set(policy, (byName = new Map()));
  let rules = byName.get(name);
  if (rules === undefined) byName.set(name, (rules = Object.freeze({ ...policy.fields, ...(policy.formats[name]?.fields ?? {}) })));
  return rules;
}

const RULES = new WeakMap<PolicyConfig, Map<string, Readonly<Record<string, FieldSpec>>>>();

function disposition(spec: FieldSpec): FieldDisposition {
  return spec.transform === 'keep' || spec.transform === 'drop' ? spec.transform : 'transform';
}

/**
 * The format named `name` in the policy, built for its field rules.
 *
 * @example
 * const f = buildFormat(policy, 'combined'); f.decode(line, 0, line.length);
 */
export function buildFormat(policy: PolicyConfig, name: string, registry: Registry = components): Format {
  const rules = fieldRulesFor(policy, name);
  const ctx: FormatContext = {
    name,
    fields: new Map(Object.entries(rules).map(([n, spec]) => [n, disposition(spec)])),
    roleOf: (n) => roleOfName(n, Object.hasOwn(rules, n) ? rules[n]!.role : undefined),
  };
  return formatEntryFor(registry, name).create(policy.formats[name] ?? { fields: {} }, ctx);
}

/**
 * The operation a field's rule compiles to (its transform's registry entry).
 *
 * @example
 * compileFieldOp({ transform: 'pseudonymise' }, 'remote_user', 'user', ctx).kind // 'record'
 */
export function compileFieldOp(spec: FieldSpec, name: string, role: Role | undefined, ctx: TransformContext, registry: Registry = components): CompiledOp {
  const entry = registry.transform(spec.transform);
  if (entry === undefined) throw new GallraError('GALLRA_INTERNAL', `unknown transform ${spec.transform} (the policy was validated against another registry)`);
  return entry.compile(spec, { name, role }, ctx);
}

/**
 * The anonymise plan for a format's layout under its field rules: every field
 * the policy does not name is dropped (fail closed).
 */
export function planFor(format: Format, rules: Readonly<Record<string, FieldSpec>>, ctx: TransformContext, registry: Registry, deriveVisitorId: boolean): AnonymisePlan {
  const layout = format.event.layout;
  const ops: CompiledOp[] = layout.names.map((name, slot) => {
    const spec = Object.hasOwn(rules, name) ? rules[name] : undefined;
    return spec === undefined ? DROP_OP : compileFieldOp(spec, name, layout.roles[slot], ctx, registry);
  });
  return new AnonymisePlan(layout.names, ops, deriveVisitorId || format.needsVisitorId === true);
}

/**
 * The formats a line is tried against, in order: the one chosen, or for
 * `auto` the operator's own layouts first (most specific), then the
 * built-ins in the registry's detection order.
 */
export function candidateNames(policy: PolicyConfig, chosen: string, registry: Registry = components): string[] {
  if (chosen !== 'auto') return [chosen];
  const names = Object.keys(policy.formats);
  const auto = registry.autoFormats().map((f) => f.name);
  const custom = names.filter((n) => registry.format(n) === undefined);
  return [...custom, ...auto.filter((n) => names.includes(n))];
}

/**
 * Builds the pipeline a policy describes.
 *
 * @example
 * const { pipeline } = buildLinePipeline({ policy: loaded.config, keyring });
 * const out = new EncodedBatchBuilder(); pipeline.consumers.push(out);
 */
export function buildLinePipeline(o: BuildOptions): BuiltPipeline {
  const { policy } = o;
  const registry = o.registry ?? components;
  const now = o.now ?? Date.now;
  const context = transformContext(policy, o.keyring);
  const chosen = o.format ?? policy.input.format;
  if (chosen !== 'auto' && !Object.hasOwn(policy.formats, chosen)) throw new RangeError(`unknown format ${chosen}`);
  const formats = candidateNames(policy, chosen, registry).map((name) => buildFormat(policy, name, registry));
  const derive = o.deriveVisitorId === true;
  const plans = formats.map((f) => planFor(f, fieldRulesFor(policy, f.name), context, registry, derive));
  let scrub: { format: Format; plan: AnonymisePlan } | undefined;
  if ((o.unparsed ?? policy.input.unparsed) === 'scrub') {
    const format = new ScrubFormat();
    scrub = { format, plan: planFor(format, SCRUB_FIELD_RULES, context, registry, derive) };
  }
  const pipeline = new LinePipeline({
    decoder: new Decoder(formats),
    plans,
    stage: new AnonymiseStage(context),
    gate: new RetentionGate(retentionWindowFromConfig(policy.retention), now),
    missingTimestamp: policy.input.missing_timestamp,
    scrub,
    keyring: o.keyring,
    now,
    redactionHits: context.redactor.hits,
  });
  return { pipeline, pseudonymiser: context.pseudonymiser, redactor: context.redactor, context };
}
