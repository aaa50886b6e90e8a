/**
 * A field's redaction rules, compiled once: which parameter names are
 * allowed, sensitive or custom (one verdict table), the label reader the
 * number detectors use for context, the URL rules and the custom patterns.
 * Fields without custom rules of their own share one profile.
 */
import { C_LETTER, C_PARAM_NAME, CLASS } from './bytes.js';
import { compileCustomPattern, type CompiledPattern } from './custom.js';
import type { ParamRules } from './detectors/params.js';
import type { LabelSource } from './numbers.js';
import { A_ALLOW, A_CUSTOM, A_LOCATION, A_SENSITIVE, ACTION_MASK, CUSTOM_SHIFT, F_LOCATION, LABEL_BITS, L_ID, L_PHONE, WEAK_LABELS, allowMatcher, builtinVerdict } from './name-rules.js';
import { NameTable, normaliseName } from './param-names.js';
import type { RedactOptions } from './options.js';
import type { UrlRules } from './url-structure.js';
import { PathWalker } from '../url/path-template.js';

export interface Profile {
  readonly url: UrlRules;
  readonly params: ParamRules;
  readonly labels: LabelSource;
  readonly patterns: readonly CompiledPattern[];
}

/**
 * The profile for `field` (undefined: the rules every field shares).
 *
 * @example
 * const p = compileProfile({ ...DEFAULT_REDACT_OPTIONS, ip: undefined }, 'message');
 */
export function compileProfile(options: RedactOptions, field: string | undefined): Profile {
  const rules = options.custom.filter((r) => r.fields === undefined || (field !== undefined && r.fields.includes(field)));
  const customPlaceholders: string[] = [];
  const customNames = new Map<string, number>();
  const patterns: CompiledPattern[] = [];
  for (const r of rules) {
    if (r.params !== undefined && r.params.length > 0) {
      const index = customPlaceholders.push(r.placeholder) - 1;
      for (const name of r.params) if (!customNames.has(normaliseName(name))) customNames.set(normaliseName(name), index);
    }
    if (r.pattern !== undefined) patterns.push({ re: compileCustomPattern(r.pattern, r.placeholder), placeholder: r.placeholder });
  }
  const allowed = allowMatcher(options.allowParams);
  const exact = new Set(options.sensitiveParams.exact.map(normaliseName));
  const contains = options.sensitiveParams.contains.map(normaliseName).filter((s) => s.length > 0);
  const decide = (name: string): number => {
    const builtin = builtinVerdict(name);
    const labels = builtin & LABEL_BITS;
    const norm = normaliseName(name);
    const custom = customNames.get(norm);
    if (custom !== undefined) return A_CUSTOM | labels | (custom << CUSTOM_SHIFT);
    if (norm.length > 0 && (exact.has(norm) || contains.some((w) => norm.includes(w)))) return A_SENSITIVE | labels;
    if (allowed(name)) return A_ALLOW | labels | ((builtin & ACTION_MASK) === A_LOCATION ? F_LOCATION : 0);
    return builtin;
  };
  const names = new NameTable(decide, A_SENSITIVE);
  return {
    url: {
      allowList: options.query === 'allow-list',
      templatePaths: options.path === 'template',
      names,
      walker: new PathWalker({ userPrefixes: options.userPathPrefixes }),
      customPlaceholders,
    },
    params: { names, customPlaceholders },
    labels: new ProfileLabels(names),
    patterns,
  };
}

/**
 * Labels read back from a number or word: up to three separator characters
 * (`=`, `:`, quotes, spaces, `(`), then a name — or letters glued to it.
 */
class ProfileLabels implements LabelSource {
  constructor(private readonly names: NameTable) {}

  before(b: Uint8Array, from: number, start: number): number {
    let s = this.labelStart(b, from, start);
    if (s < 0) return 0;
    let labels = this.names.verdict(b, s, this.labelEnd) & LABEL_BITS;
    // `lookup for X`, `order number X`, `Ring mig på X`: weak words lend the words before them a say (two at most).
    for (let k = 0; k < 2 && WEAK_LABELS.has(lowerWord(b, s, this.labelEnd)); k++) {
      const s2 = this.labelStart(b, from, s);
      if (s2 < 0) break;
      const more = this.names.verdict(b, s2, this.labelEnd) & LABEL_BITS;
      // An order number is not a phone number, whatever `number` says.
      labels = more & L_ID ? (labels | more) & ~L_PHONE : labels | more;
      s = s2;
    }
    return labels;
  }

  /** Where the label before `start` starts (its end in {@link labelEnd}), or -1. */
  private labelEnd = 0;
  private labelStart(b: Uint8Array, from: number, start: number): number {
    let e = start;
    let skipped = 0;
    while (e > from && skipped < 3) {
      const c = b[e - 1]!;
      if (c !== 32 && c !== 9 && c !== 61 && c !== 58 && c !== 34 && c !== 39 && c !== 35 && c !== 40 && c !== 41 && c !== 91 && c !== 123) break;
      e--;
      skipped++;
    }
    if (e === start) return -1;
    let s = e;
    while (s > from && e - s < 64 && CLASS[b[s - 1]!]! & C_PARAM_NAME) s--;
    while (s < e && (b[s] === 45 || b[s] === 95 || b[s] === 46)) s++;
    // A domain (`jo@x.se 070…`) or a replacement is not a label.
    if (s === e || !(CLASS[b[s]!]! & C_LETTER) || (s > from && (b[s - 1] === 64 || b[s - 1] === 93 || b[s - 1] === 37))) return -1;
    this.labelEnd = e;
    return s;
  }

  word(b: Uint8Array, s: number, e: number): number {
    return this.names.verdict(b, s, e) & LABEL_BITS;
  }
}

const utf8 = new TextDecoder();

/** A short label word in lower case (UTF-8 decoded: `på`), or '' when longer than 12 bytes. */
function lowerWord(b: Uint8Array, s: number, e: number): string {
  if (e - s > 12) return '';
  return utf8.decode(b.subarray(s, e)).toLowerCase();
}
