/**
 * What the audit trail records: one JSON object per action gallra took to
 * keep a privacy promise — a sweep of a store, the destruction of salts, a
 * data-subject request, a start refused (or allowed) over a store that would
 * keep data too long. Records say what was done, where, when, by which
 * command and under which policy clause; they never hold personal data: no
 * address, identifier, pseudonym or log line — counts, file names, epoch
 * labels and partition names only.
 */

/** The actions the trail knows. */
export const AUDIT_ACTIONS = ['sweep', 'subject-export', 'subject-erase', 'start-refused', 'longer-retention-allowed'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What a sweep removed from one store (or, for a store that cannot, nothing with a note why). */
export interface AuditRemoved {
  /** Everything removed, in the store's own unit (files, lines, salts, rows…) summed. */
  readonly count: number;
  /** Whole files deleted (base names). */
  readonly files?: readonly string[];
  /** Lines removed from files that were rewritten (straddling the window start, or a subject's events). */
  readonly lines?: number;
  /** Files rewritten without some of their lines (base names). */
  readonly rewritten?: readonly string[];
  /** Salt epochs destroyed: `P1D 2031-03-13T00:00:00Z`. */
  readonly epochs?: readonly string[];
  /** Partitions dropped (`date=2030-09-13`). */
  readonly partitions?: readonly string[];
  /** Rows deleted from a table. */
  readonly rows?: number;
  /** Anything else a store names (its own labels). */
  readonly items?: readonly string[];
}

/** A data-subject request as the trail keeps it: what was asked and done, never who asked. */
export interface AuditRequest {
  /** A random id printed to the operator, to cite in their own records of the request. */
  readonly id: string;
  /** Which kinds of identifier were given (`user`, `email`, `ip+user_agent`), never their values. */
  readonly identifiers: readonly string[];
  /** Epochs whose salts still exist, where the person's events could be looked for. */
  readonly linkable_epochs: readonly string[];
  /** Stored days whose salts are gone: nobody can link their events to anyone. */
  readonly unlinkable_days: number;
  /** Events found, per store. */
  readonly found: Readonly<Record<string, number>>;
  /** Events erased, per store (erase only). */
  readonly erased?: Readonly<Record<string, number>>;
  /** Files rewritten without the person's events (erase only). */
  readonly files?: readonly string[];
}

/**
 * What a caller asks the trail to record.
 *
 * @example
 * await audit.append({ action: 'sweep', by: 'gallra run', store: 'out', kind: 'day-files', clause: 'retention.keep: P6M', cutoff, removed: { count: 1, files: ['access-2030-09-13.log'] } });
 */
export interface AuditEntry {
  readonly action: AuditAction;
  /** The command that acted: `gallra run`, `gallra retention`, `gallra salts destroy`, … */
  readonly by: string;
  /** The store acted on (a sink's or store's name, `salts`, `checkpoints`). */
  readonly store?: string;
  /** What kind of store it is (`day-files`, `salts`, `checkpoints`, `kafka-topic`, `aggregates`). */
  readonly kind?: string;
  /** The policy clause that required the action (`retention.keep: P6M`). */
  readonly clause?: string;
  /** The window start the action enforced (ISO 8601). */
  readonly cutoff?: string;
  readonly removed?: AuditRemoved;
  /** What was left for another process (a running gallra that writes the store) to do. */
  readonly deferred?: readonly string[];
  readonly request?: AuditRequest;
  /** Why a start was refused or allowed, in words that name settings, never data. */
  readonly reason?: string;
  /** Why the action failed (an error code), when it did. */
  readonly error?: string;
}

/** A record as stored: the entry, its place in the chain and its time. */
export interface AuditRecord extends AuditEntry {
  /** 1, 2, 3, … without gaps. */
  readonly seq: number;
  /** When it was written (ISO 8601, UTC). */
  readonly time: string;
  /** The hash of the record before it (64 zeros for the first). */
  readonly prev: string;
  /** SHA-256 (hex) of this record's own text up to this field. */
  readonly hash: string;
}

/**
 * The summary of removals a store's sweep gives, for a record.
 *
 * @example
 * removedOf([{ what: 'file', name: 'access-2030-09-13.log' }]) // { count: 1, files: ['access-2030-09-13.log'] }
 */
export function removedOf(items: readonly { readonly what: string; readonly name: string; readonly count?: number | undefined }[]): AuditRemoved {
  const files: string[] = [];
  const rewritten: string[] = [];
  const epochs: string[] = [];
  const partitions: string[] = [];
  const other: string[] = [];
  let lines = 0;
  let rows = 0;
  let count = 0;
  for (const it of items) {
    const n = it.count ?? 1;
    count += n;
    switch (it.what) {
      case 'file':
      case 'checkpoint':
        files.push(it.name);
        break;
      case 'lines':
        rewritten.push(it.name);
        lines += n;
        break;
      case 'salt':
        epochs.push(it.name);
        break;
      case 'partition':
        partitions.push(it.name);
        break;
      case 'rows':
        rows += n;
        other.push(it.name);
        break;
      default:
        other.push(it.name);
    }
  }
  return {
    count,
    ...(files.length > 0 ? { files } : {}),
    ...(rewritten.length > 0 ? { rewritten, lines } : {}),
    ...(epochs.length > 0 ? { epochs } : {}),
    ...(partitions.length > 0 ? { partitions } : {}),
    ...(rows > 0 ? { rows } : {}),
    ...(other.length > 0 ? { items: other } : {}),
  };
}
