/**
 * Custom rules of the policy: regular expressions and parameter names, each
 * with its placeholder, checked when the policy is loaded.
 *
 * A client chooses its request line, so a pattern that can backtrack
 * catastrophically (`(a+)+b`, `(x|x)*y`) would let anyone stall the
 * pipeline. Patterns are therefore compiled for V8's linear-time regexp
 * engine (the `l` flag behind `--enable-experimental-regexp-engine`, an
 * automaton simulation whose time grows with the input times the pattern,
 * never exponentially), which rejects what it cannot run in linear time —
 * backreferences, lookaround, the `i`, `u` and `d` flags, counted
 * repetitions too large to unroll. What it accepts is safe by construction,
 * not by a heuristic; what it refuses is refused at load with the reason.
 * (`re2` would do the same but needs Node 22.)
 */
import v8 from 'node:v8';

let linear: boolean | undefined;

/**
 * Whether the linear-time engine is available (it is in Node 20; the flag
 * is process-wide, worker threads included). Turns it on on first use.
 *
 * @example
 * if (!linearEngineAvailable()) throw new Error('custom patterns need Node with the linear-time regexp engine');
 */
export function linearEngineAvailable(): boolean {
  if (linear === undefined) {
    try {
      v8.setFlagsFromString('--enable-experimental-regexp-engine');
      linear = new RegExp('a', 'l').test('a');
    } catch {
      linear = false;
    }
  }
  return linear;
}

/**
 * Compiles a custom pattern for the linear-time engine (global), or throws
 * an Error whose message says what is wrong and what to do.
 *
 * @example
 * compileCustomPattern('KND-[0-9]{6}', '[customer]').test('order KND-123456') // true
 * compileCustomPattern('(a)\\1', '[x]') // throws: backreferences cannot run in linear time
 */
export function compileCustomPattern(source: string, placeholder: string): RegExp {
  if (source.length === 0) throw new Error('the pattern is empty');
  if (source.length > 2000) throw new Error('the pattern is longer than 2000 characters');
  if (!linearEngineAvailable()) throw new Error("this Node.js has no linear-time regexp engine (V8 flag --enable-experimental-regexp-engine), so a pattern cannot be proven safe; use params: instead");
  let re: RegExp;
  try {
    re = new RegExp(source, 'lg');
  } catch (e) {
    const msg = (e as Error).message;
    if (/linear time/i.test(msg)) {
      throw new Error(
        'the pattern could backtrack without bound or uses what the linear-time engine cannot run (backreferences, lookahead/lookbehind, large {n,m} repetitions); rewrite it without them (e.g. [Kk]und instead of the i flag, [0-9]{6} instead of \\d{6,200})',
      );
    }
    throw new Error(`not a valid regular expression: ${msg.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')}`);
  }
  re.lastIndex = 0;
  if (re.test('')) throw new Error('the pattern matches the empty string, so it would match everywhere');
  re.lastIndex = 0;
  if (re.test(placeholder)) throw new Error('the pattern matches its own placeholder, so redacting twice would not give the same text');
  re.lastIndex = 0;
  return re;
}

/** A custom pattern compiled for one field, with its placeholder. */
export interface CompiledPattern {
  readonly re: RegExp;
  readonly placeholder: string;
}

/**
 * `text` with every match of each pattern replaced by its placeholder; the
 * same instance when nothing matched.
 *
 * @example
 * applyPatterns('x KND-123456', [{ re: compileCustomPattern('KND-[0-9]{6}', '[kund]'), placeholder: '[kund]' }]) // 'x [kund]'
 */
export function applyPatterns(text: string, patterns: readonly CompiledPattern[], hit: () => void): string {
  let out = text;
  for (const p of patterns) {
    p.re.lastIndex = 0;
    if (!p.re.test(out)) continue;
    p.re.lastIndex = 0;
    out = out.replace(p.re, () => {
      hit();
      return p.placeholder;
    });
  }
  return out;
}
