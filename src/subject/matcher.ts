/**
 * Recognises one person's stored events: computes their pseudonyms (and
 * visitor ids) under the salt of every epoch whose salt still exists, and
 * compares them with the link fields of each stored event of that epoch.
 * Epochs whose salt is gone cannot be matched: their pseudonyms cannot be
 * computed again by anyone, which is the point of destroying it.
 */
import type { Keyring, SaltFileInfo } from '../keyring/keyring.js';
import type { PolicyConfig } from '../policy/schema.js';
import type { StoredEvent } from '../runtime/stored-lines.js';
import { type EpochBounds, epochOf } from '../time/epoch.js';
import { Pseudonymiser, pseudonymOptionsFromConfig } from '../transforms/pseudonymise.js';
import type { LinkField, SubjectIdentifiers } from './link-fields.js';

/** An epoch whose salt exists and is in force: its events can be linked to the person. */
export interface LinkableEpoch extends EpochBounds {
  readonly salt: SaltFileInfo;
}

/**
 * @example
 * const m = new SubjectMatcher(policy, keyring, ids, linkFields(policy, formats, ids));
 * await m.prepare(Date.now());
 * if (m.match(reader.read(line)!).length > 0) found++;
 */
export class SubjectMatcher {
  private readonly pseudonymiser: Pseudonymiser;
  private epochs: LinkableEpoch[] = [];
  /** Per epoch start, per format, per field: the pseudonyms that are the person's. */
  private readonly expected = new Map<number, Map<string, Map<string, Set<string>>>>();
  /** Visitor ids by epoch start and host. */
  private readonly visitorIds = new Map<string, string>();

  constructor(
    private readonly policy: PolicyConfig,
    private readonly keyring: Keyring,
    private readonly ids: SubjectIdentifiers,
    private readonly fields: ReadonlyMap<string, readonly LinkField[]>,
  ) {
    // No cache: a request computes a handful of pseudonyms, and none must outlive it.
    this.pseudonymiser = new Pseudonymiser(keyring, { ...pseudonymOptionsFromConfig(policy.pseudonym), cacheSize: 0 });
  }

  /**
   * Finds the epochs whose salt exists and is in force at `nowMs` (salts of
   * the configured epoch length only), and computes the person's pseudonyms
   * for each. Returns them, oldest first.
   */
  async prepare(nowMs: number): Promise<readonly LinkableEpoch[]> {
    await this.keyring.prepare(nowMs);
    const open = (await this.keyring.list()).filter((s) => s.state === 'open' && s.period === this.policy.salts.epoch);
    this.epochs = [];
    for (const info of open) {
      let ephemeral = true;
      try {
        ephemeral = this.keyring.saltFor(info.start).ephemeral;
      } catch {
        // Not prepared (an epoch beyond the horizon): no event can be in it yet.
      }
      if (ephemeral) continue;
      this.epochs.push({ start: info.start, end: info.end, salt: info });
      const perFormat = new Map<string, Map<string, Set<string>>>();
      for (const [format, fields] of this.fields) {
        const perField = new Map<string, Set<string>>();
        for (const f of fields) {
          if (f.kind !== 'pseudonym') continue;
          perField.set(f.name, new Set(f.values.map((v) => this.pseudonymiser.pseudonym(f.namespace, v, info.start, f.prefix))));
        }
        perFormat.set(format, perField);
      }
      this.expected.set(info.start, perFormat);
    }
    return this.epochs.sort((a, b) => a.start - b.start);
  }

  /** The epochs found by prepare(). */
  get linkable(): readonly LinkableEpoch[] {
    return this.epochs;
  }

  /** Identity fields the policy keeps as they are (their names): they link in every epoch, salt or no salt. */
  get plainFields(): string[] {
    return [...new Set([...this.fields.values()].flatMap((fs) => fs.filter((f) => f.kind === 'plain').map((f) => f.name)))];
  }

  /** The linkable epochs that overlap `[from, to)`. */
  overlapping(from: number, to: number): LinkableEpoch[] {
    return this.epochs.filter((e) => e.start < to && e.end > from);
  }

  /**
   * The names of the fields by which a stored event is the person's (empty
   * when it is not): in the epoch of its time, or, when it has none, in any
   * of `fallback` (the linkable epochs of the day it is filed under).
   */
  match(ev: StoredEvent, fallback: readonly LinkableEpoch[]): string[] {
    const fields = this.fields.get(ev.format);
    if (fields === undefined || fields.length === 0) return [];
    const plain = fields.filter((f) => f.kind === 'plain' && typeof ev.fields[f.name] === 'string' && f.values.includes(ev.fields[f.name] as string)).map((f) => f.name);
    if (plain.length > 0) return plain;
    const candidates = Number.isNaN(ev.time) ? fallback : this.epochs.filter((e) => e.start === epochOf(ev.time, this.policy.salts.epoch).start);
    for (const epoch of candidates) {
      const expected = this.expected.get(epoch.start)?.get(ev.format);
      const matched: string[] = [];
      for (const f of fields) {
        const v = ev.fields[f.name];
        if (typeof v !== 'string' || f.kind === 'plain') continue;
        if (f.kind === 'pseudonym' ? expected?.get(f.name)?.has(v) === true : v === this.visitorId(epoch, ev)) matched.push(f.name);
      }
      if (matched.length > 0) return matched;
    }
    return [];
  }

  /** The person's visitor id for an event. */
  private visitorId(epoch: LinkableEpoch, ev: StoredEvent): string {
    // As the pipeline took it: the host stored with the event (hosts are kept as they were), '' without one.
    const host = ev.host ?? '';
    const key = `${epoch.start}\0${host}`;
    let id = this.visitorIds.get(key);
    if (id === undefined) {
      id = this.pseudonymiser.visitorId(host, this.ids.ip!, this.ids.userAgent!, epoch.start);
      this.visitorIds.set(key, id);
    }
    return id;
  }

  /** Forgets every pseudonym computed (the request is done). */
  clear(): void {
    this.expected.clear();
    this.visitorIds.clear();
    this.pseudonymiser.clear();
  }
}
