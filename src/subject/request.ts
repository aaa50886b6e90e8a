/**
 * Data-subject requests within the pseudonymised tier: find one person's
 * events in the file store — in the epochs whose salt still exists — and
 * export them (access, portability) or rewrite the files without them
 * (erasure), then say plainly what cannot be found any more and why, and
 * record the request in the audit trail without the identifiers.
 */
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/log.js';
import { components } from '../components.js';
import { GallraError } from '../errors.js';
import type { Keyring } from '../keyring/keyring.js';
import type { LoadedPolicy } from '../policy/load.js';
import { componentName, type Registry } from '../registry.js';
import { retentionWindowFromConfig } from '../retention/config.js';
import { type DayFile, DayFileStore } from '../retention/day-files.js';
import { DAY_MS } from '../retention/window.js';
import { epochName } from '../runtime/salt-store.js';
import { StoredLineReader, storedFormatNames } from '../runtime/stored-lines.js';
import { identifierKinds, linkFields, type SubjectIdentifiers } from './link-fields.js';
import { type LinkableEpoch, SubjectMatcher } from './matcher.js';

/** One exported event: where it is stored and its fields as stored. */
export interface ExportedEvent {
  readonly store: string;
  readonly file: string;
  /** 1-based line number in the file. */
  readonly line: number;
  /** Event time (ISO 8601), null when the line has none. */
  readonly time: string | null;
  readonly format: string;
  /** The fields by which it is the person's. */
  readonly matched: readonly string[];
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface SubjectRequestOptions {
  readonly action: 'export' | 'erase';
  readonly ids: SubjectIdentifiers;
  /** The keyring (audited: closed salts it destroys first are recorded). */
  readonly keyring: Keyring;
  readonly now: number;
  readonly audit?: AuditLog | undefined;
  /** The command, for the record. */
  readonly by: string;
  readonly registry?: Registry;
  /** Each event found (export). */
  readonly onEvent?: (e: ExportedEvent) => void;
}

/** What one searchable store gave. */
export interface StoreResult {
  readonly store: string;
  readonly found: number;
  /** Erased (erase only). */
  readonly erased: number | undefined;
  /** Files that held the person's events. */
  readonly files: readonly string[];
}

export interface SubjectResult {
  /** Random; printed, and the audit record's key. */
  readonly id: string;
  readonly linkable: readonly LinkableEpoch[];
  /** UTC days the stores hold events of whose epochs' salts are gone. */
  readonly unlinkableDays: { readonly count: number; readonly first: number | undefined; readonly last: number | undefined };
  readonly stores: readonly StoreResult[];
  /** Stored lines of linkable days no format of the policy reads (they hold no pseudonym). */
  readonly unreadable: number;
  /** Identity fields the policy keeps as they are: searched in every stored day, whatever the salts. */
  readonly plainFields: readonly string[];
  /** What happens to the person's data in stores gallra does not search, and in the aggregates. */
  readonly notes: readonly string[];
}

const AGGREGATES_NOTE =
  'aggregates: hold only counts, sums and distinct counts per time window over groups of at least k visitors (smaller groups are folded into "(other)"); the pseudonyms they were counted from are discarded. They hold nothing about any one person, so there is nothing of this person to export or erase there.';

/**
 * Runs a data-subject request over every file store of the policy.
 * An erasure refuses (GALLRA_STORE_BUSY) before touching anything while a
 * running gallra writes one of the stores.
 *
 * @example
 * const r = await subjectRequest(loaded, { action: 'export', ids: { user: 'alice' }, keyring, now: Date.now(), by: 'gallra subject export', onEvent: (e) => out(e) });
 */
export async function subjectRequest(loaded: LoadedPolicy, o: SubjectRequestOptions): Promise<SubjectResult> {
  const registry = o.registry ?? components;
  const c = loaded.config;
  const id = randomUUID();
  // A salt whose epoch has closed is never used again; destroy any still held, so that "unlinkable" below is true.
  await o.keyring.destroyClosed();
  const reader = new StoredLineReader(c, registry);
  const matcher = new SubjectMatcher(c, o.keyring, o.ids, linkFields(c, storedFormatNames(c, registry), o.ids));
  try {
    const linkable = await matcher.prepare(o.now);
    const plain = matcher.plainFields;
    const { stores, notes } = storesOf(loaded, registry, reader, o.now);
    if (o.action === 'erase') {
      for (const s of stores) {
        const writers = await s.store.writers();
        if (writers.length > 0) {
          throw new GallraError(
            'GALLRA_STORE_BUSY',
            `gallra subject erase: file sink ${s.name} is being written by a running gallra (pid ${writers.join(', ')}); an erasure rewrites its files and must not run beside it. Stop gallra run (its sources resume from their checkpoints: nothing is lost), run the erasure, start it again. Nothing was changed.`,
          );
        }
      }
    }
    const results: StoreResult[] = [];
    const unlinkable = new Set<number>();
    let unreadable = 0;
    for (const s of stores) {
      let found = 0;
      let erased = 0;
      const files: string[] = [];
      for (const file of await s.store.files()) {
        const fallback = matcher.overlapping(file.day, file.day + DAY_MS);
        if (fallback.length === 0) {
          unlinkable.add(file.day);
          // Fields kept as they are link in any epoch: those days are searched all the same.
          if (plain.length === 0) continue;
        }
        const inFile = await scan(s.name, s.store, file, reader, matcher, fallback, o.onEvent, () => unreadable++);
        if (inFile === 0) continue;
        found += inFile;
        files.push(file.name);
        if (o.action === 'erase') {
          erased += (
            await s.store.rewrite(file, (line) => {
              const ev = reader.read(line);
              return ev === undefined || matcher.match(ev, fallback).length === 0;
            })
          ).removed;
        }
      }
      results.push({ store: s.name, found, erased: o.action === 'erase' ? erased : undefined, files });
    }
    const days = [...unlinkable].sort((a, b) => a - b);
    const result: SubjectResult = {
      id,
      linkable,
      unlinkableDays: { count: days.length, first: days[0], last: days[days.length - 1] },
      stores: results,
      unreadable,
      plainFields: plain,
      notes: [...notes, AGGREGATES_NOTE],
    };
    await o.audit?.append({
      action: o.action === 'export' ? 'subject-export' : 'subject-erase',
      by: o.by,
      clause: o.action === 'export' ? 'access and portability on request' : 'erasure on request',
      request: {
        id,
        identifiers: identifierKinds(o.ids),
        linkable_epochs: linkable.map((e) => epochName(e.salt)),
        unlinkable_days: days.length,
        found: Object.fromEntries(results.map((r) => [r.store, r.found])),
        ...(o.action === 'erase' ? { erased: Object.fromEntries(results.map((r) => [r.store, r.erased ?? 0])), files: results.flatMap((r) => r.files) } : {}),
      },
    });
    return result;
  } finally {
    matcher.clear();
  }
}

/** Finds the person's events in one file; returns how many. */
async function scan(
  store: string,
  files: DayFileStore,
  file: DayFile,
  reader: StoredLineReader,
  matcher: SubjectMatcher,
  fallback: readonly LinkableEpoch[],
  onEvent: ((e: ExportedEvent) => void) | undefined,
  onUnreadable: () => void,
): Promise<number> {
  let n = 0;
  let lineNo = 0;
  for await (const line of files.lines(file)) {
    lineNo++;
    const ev = reader.read(line.text);
    if (ev === undefined) {
      onUnreadable();
      continue;
    }
    const matched = matcher.match(ev, fallback);
    if (matched.length === 0) continue;
    n++;
    onEvent?.({ store, file: file.name, line: lineNo, time: Number.isNaN(ev.time) ? null : new Date(ev.time).toISOString(), format: ev.format, matched, fields: ev.fields });
  }
  return n;
}

/**
 * The policy's file stores (searchable), and for every other sink what
 * happens to one person's data in it.
 */
function storesOf(loaded: LoadedPolicy, registry: Registry, reader: StoredLineReader, now: number): { stores: { name: string; store: DayFileStore }[]; notes: string[] } {
  const c = loaded.config;
  const window = retentionWindowFromConfig(c.retention);
  const stores: { name: string; store: DayFileStore }[] = [];
  const notes: string[] = [];
  (c.sinks ?? []).forEach((s, i) => {
    const entry = registry.sink(s.type);
    if (entry === undefined) return;
    const name = componentName(entry, s, i);
    const retainable = entry.retention?.(s, { name, baseDir: loaded.baseDir, window, now: () => now, lineTime: (line) => reader.time(line) });
    if (retainable instanceof DayFileStore && retainable.readable) stores.push({ name, store: retainable });
    else if (retainable?.erasure !== undefined) notes.push(`${name} (${s.type}): ${retainable.erasure(now)}`);
    else if (retainable === undefined) notes.push(`${name} (${s.type}): gallra keeps nothing of what it writes there; whoever collects it must hold it to ${c.retention.keep} and answer requests for it`);
    else notes.push(`${name} (${s.type}): gallra cannot search it; everything in it is deleted by retention within ${c.retention.keep} of its event time`);
  });
  return { stores, notes };
}
