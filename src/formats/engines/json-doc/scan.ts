/**
 * A validating single-pass JSON scanner for one line that records where
 * every object member is (key and raw value ranges, type, parent, subtree
 * end) and which of them the format reads, found through a trie of dotted
 * names — without building a parse tree. The line is valid JSON (RFC 8259)
 * exactly when the scan succeeds; members inside arrays are validated but
 * not recorded (an array is one value). Numbers keep their raw text, so an
 * integer beyond 2^53 (a Cloudflare `unixnano` timestamp) is written back
 * exactly as it came.
 */

export const T_STRING = 1;
export const T_NUMBER = 2;
export const T_TRUE = 3;
export const T_FALSE = 4;
export const T_NULL = 5;
export const T_OBJECT = 6;
export const T_ARRAY = 7;

/** Most members one line may have, and how deep objects may nest: beyond either it is not read (fail closed). */
export const MAX_MEMBERS = 1024;
export const MAX_DEPTH = 24;

/** A node of the name trie: the slot of the field whose path ends here (-1: none), and the names below it. */
export interface TrieNode {
  slot: number;
  children: Map<number, [string, TrieNode][]> | undefined;
}

/**
 * Builds the trie of dotted field names (`httpRequest.remoteIp`), each
 * mapped to its slot.
 *
 * @example
 * const root = buildTrie(['a', 'b.c']); // a → 0, b.c → 1
 */
export function buildTrie(names: readonly string[]): TrieNode {
  const root: TrieNode = { slot: -1, children: undefined };
  names.forEach((name, slot) => {
    let node = root;
    for (const part of name.split('.')) {
      node.children ??= new Map();
      const key = bucket(part.length, part.charCodeAt(0));
      let list = node.children.get(key);
      if (list === undefined) node.children.set(key, (list = []));
      let child = list.find(([n]) => n === part)?.[1];
      if (child === undefined) list.push([part, (child = { slot: -1, children: undefined })]);
      node = child;
    }
    node.slot = slot;
  });
  return root;
}

function bucket(len: number, first: number): number {
  return len * 256 + (first & 255);
}

/** The child of `node` named by the key `src[s..e)` (raw, unescaped), or undefined. */
function childOf(node: TrieNode, src: string, s: number, e: number): TrieNode | undefined {
  const list = node.children?.get(bucket(e - s, src.charCodeAt(s)));
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) if (src.startsWith(list[i]![0], s)) return list[i]![1];
  return undefined;
}

/**
 * The members of the last line scanned. Arrays are indexed by member;
 * `keyStart` is the index after the key's opening quote, `valStart..valEnd`
 * the raw value (with quotes, brackets, braces), `next` the index of the
 * first member after this one's subtree.
 */
export class JsonScan {
  count = 0;
  readonly parent = new Int32Array(MAX_MEMBERS);
  readonly keyStart = new Int32Array(MAX_MEMBERS);
  readonly keyEnd = new Int32Array(MAX_MEMBERS);
  readonly valStart = new Int32Array(MAX_MEMBERS);
  readonly valEnd = new Int32Array(MAX_MEMBERS);
  readonly next = new Int32Array(MAX_MEMBERS);
  readonly type = new Uint8Array(MAX_MEMBERS);
  /** Whether a string value holds a backslash escape (its text needs decoding). */
  readonly escaped = new Uint8Array(MAX_MEMBERS);
  /** The slot of the field this member is (-1: not read). */
  readonly slot = new Int32Array(MAX_MEMBERS);
  /** The object's own start `{` and end `}` (root: the line). */
  rootStart = 0;
  rootEnd = 0;
  private src = '';
  private end = 0;

  /**
   * Scans the line `src[start..end)`, which must be one JSON object (with
   * optional surrounding whitespace). Returns false when it is not valid
   * JSON, nests too deep or has too many members.
   */
  scan(src: string, start: number, end: number, trie: TrieNode): boolean {
    this.src = src;
    this.end = end;
    this.count = 0;
    let p = skipWs(src, start, end);
    if (p >= end || src.charCodeAt(p) !== 123) return false;
    this.rootStart = p;
    p = this.object(p, -1, trie, 0);
    if (p < 0) return false;
    this.rootEnd = p;
    return skipWs(src, p, end) === end;
  }

  /** An object at `p` (`{`), its members recorded under `parent`; returns the index after `}`, or -1. */
  private object(p: number, parent: number, node: TrieNode | undefined, depth: number): number {
    if (depth > MAX_DEPTH) return -1;
    const src = this.src;
    const end = this.end;
    p = skipWs(src, p + 1, end);
    if (p < end && src.charCodeAt(p) === 125) return p + 1;
    for (;;) {
      if (p >= end || src.charCodeAt(p) !== 34) return -1;
      const ks = p + 1;
      const ke = stringEnd(src, ks, end);
      if (ke < 0) return -1;
      const keyEscaped = sawEscape;
      p = skipWs(src, ke + 1, end);
      if (p >= end || src.charCodeAt(p) !== 58) return -1;
      p = skipWs(src, p + 1, end);
      const m = this.count;
      if (m === MAX_MEMBERS) return -1;
      this.count = m + 1;
      this.parent[m] = parent;
      this.keyStart[m] = ks;
      this.keyEnd[m] = ke;
      this.valStart[m] = p;
      // A key with an escape never names a field (fail closed: it is dropped).
      const child = node !== undefined && !keyEscaped ? childOf(node, src, ks, ke) : undefined;
      this.slot[m] = child === undefined ? -1 : child.slot;
      this.escaped[m] = 0;
      p = this.value(p, m, child, depth);
      if (p < 0) return -1;
      this.valEnd[m] = p;
      this.next[m] = this.count;
      p = skipWs(src, p, end);
      if (p >= end) return -1;
      const c = src.charCodeAt(p);
      if (c === 125) return p + 1;
      if (c !== 44) return -1;
      p = skipWs(src, p + 1, end);
    }
  }

  /** A value at `p` for member `m` (-1 inside arrays); returns the index after it, or -1. */
  private value(p: number, m: number, node: TrieNode | undefined, depth: number): number {
    const src = this.src;
    const end = this.end;
    if (p >= end) return -1;
    const c = src.charCodeAt(p);
    let type: number;
    let q: number;
    if (c === 34) {
      const e = stringEnd(src, p + 1, end);
      if (e < 0) return -1;
      if (m >= 0 && sawEscape) this.escaped[m] = 1;
      type = T_STRING;
      q = e + 1;
    } else if (c === 123) {
      type = T_OBJECT;
      // Members of an unread object are recorded too (the output leaves them out); inside arrays they are only validated.
      q = m >= 0 ? this.object(p, m, node, depth + 1) : this.skipObject(p, depth + 1);
    } else if (c === 91) {
      type = T_ARRAY;
      q = this.array(p, depth + 1);
    } else if (c === 116) {
      type = T_TRUE;
      q = src.startsWith('true', p) ? p + 4 : -1;
    } else if (c === 102) {
      type = T_FALSE;
      q = src.startsWith('false', p) ? p + 5 : -1;
    } else if (c === 110) {
      type = T_NULL;
      q = src.startsWith('null', p) ? p + 4 : -1;
    } else {
      type = T_NUMBER;
      q = numberEnd(src, p, end);
    }
    if (m >= 0) this.type[m] = type;
    return q;
  }

  private array(p: number, depth: number): number {
    if (depth > MAX_DEPTH) return -1;
    const src = this.src;
    const end = this.end;
    p = skipWs(src, p + 1, end);
    if (p < end && src.charCodeAt(p) === 93) return p + 1;
    for (;;) {
      p = this.value(p, -1, undefined, depth);
      if (p < 0) return -1;
      p = skipWs(src, p, end);
      if (p >= end) return -1;
      const c = src.charCodeAt(p);
      if (c === 93) return p + 1;
      if (c !== 44) return -1;
      p = skipWs(src, p + 1, end);
    }
  }

  /** An object inside an array: validated, not recorded. */
  private skipObject(p: number, depth: number): number {
    if (depth > MAX_DEPTH) return -1;
    const src = this.src;
    const end = this.end;
    p = skipWs(src, p + 1, end);
    if (p < end && src.charCodeAt(p) === 125) return p + 1;
    for (;;) {
      if (p >= end || src.charCodeAt(p) !== 34) return -1;
      const ke = stringEnd(src, p + 1, end);
      if (ke < 0) return -1;
      p = skipWs(src, ke + 1, end);
      if (p >= end || src.charCodeAt(p) !== 58) return -1;
      p = this.value(skipWs(src, p + 1, end), -1, undefined, depth);
      if (p < 0) return -1;
      p = skipWs(src, p, end);
      if (p >= end) return -1;
      const c = src.charCodeAt(p);
      if (c === 125) return p + 1;
      if (c !== 44) return -1;
      p = skipWs(src, p + 1, end);
    }
  }

  /** The member of `parent` (-1: the root) whose key is exactly `key`, or -1. */
  find(parent: number, key: string): number {
    const src = this.src;
    for (let m = parent + 1; m < (parent < 0 ? this.count : this.next[parent]!); m = this.next[m]!) {
      if (this.keyEnd[m]! - this.keyStart[m]! === key.length && src.startsWith(key, this.keyStart[m]!)) return m;
    }
    return -1;
  }

  /** The first character of member `m`'s key (NaN for an empty key). */
  stringKeyFirst(m: number): number {
    return this.keyEnd[m]! > this.keyStart[m]! ? this.src.charCodeAt(this.keyStart[m]!) : NaN;
  }

  /** The raw text of member `m`'s string value without its quotes (escapes left as they are). */
  stringText(m: number): string {
    return this.src.slice(this.valStart[m]! + 1, this.valEnd[m]! - 1);
  }
}

function skipWs(src: string, p: number, end: number): number {
  while (p < end) {
    const c = src.charCodeAt(p);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    p++;
  }
  return p;
}

/** Whether the last string {@link stringEnd} read held an escape. */
let sawEscape = false;

/** The index of the closing quote of a string whose text starts at `p`, or -1 (bad escape, control character, unterminated). Sets {@link sawEscape}. */
function stringEnd(src: string, p: number, end: number): number {
  sawEscape = false;
  while (p < end) {
    const c = src.charCodeAt(p);
    if (c === 34) return p;
    if (c < 32) return -1;
    if (c === 92) {
      sawEscape = true;
      const d = src.charCodeAt(p + 1);
      if (d === 117) {
        for (let k = p + 2; k < p + 6; k++) {
          const h = src.charCodeAt(k) | 32;
          if (!((h >= 48 && h <= 57) || (h >= 97 && h <= 102))) return -1;
        }
        p += 6;
        continue;
      }
      if (d !== 34 && d !== 92 && d !== 47 && d !== 98 && d !== 102 && d !== 110 && d !== 114 && d !== 116) return -1;
      p += 2;
      continue;
    }
    p++;
  }
  return -1;
}

/** The index after a JSON number starting at `p`, or -1. */
function numberEnd(src: string, p: number, end: number): number {
  let i = p;
  if (src.charCodeAt(i) === 45) i++;
  const first = src.charCodeAt(i);
  if (first === 48) i++;
  else if (first >= 49 && first <= 57) {
    while (i < end && src.charCodeAt(i) >= 48 && src.charCodeAt(i) <= 57) i++;
  } else return -1;
  if (src.charCodeAt(i) === 46) {
    i++;
    const f = i;
    while (i < end && src.charCodeAt(i) >= 48 && src.charCodeAt(i) <= 57) i++;
    if (i === f) return -1;
  }
  const e = src.charCodeAt(i) | 32;
  if (e === 101) {
    i++;
    const s = src.charCodeAt(i);
    if (s === 43 || s === 45) i++;
    const f = i;
    while (i < end && src.charCodeAt(i) >= 48 && src.charCodeAt(i) <= 57) i++;
    if (i === f) return -1;
  }
  return i > end ? -1 : i;
}
