/**
 * `gallra audit report`: what a data-protection officer files — the windows
 * in force, the last sweep of each store and the oldest data it holds now,
 * what was removed in the period, the salts destroyed, the data-subject
 * requests handled, and whether the audit trail itself is intact. Built
 * from the audit records and from facts the caller reads live (the policy,
 * the stores); rendered as Markdown or JSON. Like the trail, it holds no
 * personal data.
 */
import type { AuditVerification } from './log.js';
import type { AuditRecord } from './record.js';

/** A setting of the policy that bounds how long something is kept. */
export interface WindowFact {
  readonly setting: string;
  readonly value: string;
  readonly meaning: string;
}

/** A store as it is now. */
export interface StoreFact {
  readonly store: string;
  readonly kind: string;
  readonly clause: string;
  /** The window start now (ms), for stores with a window. */
  readonly cutoff: number | undefined;
  /** The oldest record it holds now (ms). */
  readonly oldest: number | undefined;
  readonly outOfPolicy: boolean;
  /** Why it could not be read (an error code). */
  readonly error?: string | undefined;
}

export interface ReportFacts {
  readonly now: number;
  readonly since: number;
  /** The period as asked (`P30D`). */
  readonly period: string;
  readonly policy: string;
  readonly auditLog: string;
  readonly verification: AuditVerification;
  readonly windows: readonly WindowFact[];
  readonly stores: readonly StoreFact[];
}

export interface StoreReport extends StoreFact {
  /** The last sweep recorded for the store (any time). */
  readonly lastSweep: { readonly time: string; readonly by: string } | undefined;
  /** Removed in the period. */
  readonly sweeps: number;
  readonly filesDeleted: number;
  readonly filesRewritten: number;
  readonly linesRemoved: number;
  readonly saltsDestroyed: number;
  readonly otherRemoved: number;
  readonly failures: number;
}

export interface AuditReport {
  readonly generated: string;
  readonly since: string;
  readonly period: string;
  readonly policy: string;
  readonly auditLog: string;
  readonly chain: { readonly intact: boolean; readonly records: number; readonly head: { readonly seq: number; readonly hash: string } | undefined; readonly firstBad?: { readonly line: number; readonly seq: number | undefined; readonly reason: string } };
  readonly windows: readonly WindowFact[];
  readonly stores: readonly StoreReport[];
  readonly salts: { readonly destroyed: number; readonly first: string | undefined; readonly last: string | undefined };
  readonly requests: readonly { readonly time: string; readonly action: string; readonly id: string; readonly found: number; readonly erased: number | undefined; readonly unlinkableDays: number }[];
  readonly starts: readonly { readonly time: string; readonly action: string; readonly by: string; readonly reason: string }[];
  /** Whether anything held is outside its window now, or the trail is broken. */
  readonly inPolicy: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const sum = (o: Readonly<Record<string, number>> | undefined): number => Object.values(o ?? {}).reduce((a, b) => a + b, 0);

/**
 * The report of `records` over the period `facts.since`..`facts.now`.
 *
 * @example
 * const report = buildReport((await readAuditLog(file)).records, facts); io.stdout.write(renderMarkdown(report));
 */
export function buildReport(records: readonly AuditRecord[], facts: ReportFacts): AuditReport {
  const inPeriod = records.filter((r) => Date.parse(r.time) >= facts.since && Date.parse(r.time) <= facts.now);
  const names = [...new Set([...facts.stores.map((s) => s.store), ...records.filter((r) => r.action === 'sweep' && r.store !== undefined).map((r) => r.store!)])];
  const stores: StoreReport[] = names.map((name) => {
    const fact = facts.stores.find((s) => s.store === name) ?? { store: name, kind: records.find((r) => r.store === name)?.kind ?? '?', clause: '', cutoff: undefined, oldest: undefined, outOfPolicy: false, error: 'no longer in the policy' };
    const sweeps = records.filter((r) => r.action === 'sweep' && r.store === name);
    const last = sweeps[sweeps.length - 1];
    const period = inPeriod.filter((r) => r.action === 'sweep' && r.store === name);
    const total = (f: (r: AuditRecord) => number): number => period.reduce((n, r) => n + f(r), 0);
    return {
      ...fact,
      lastSweep: last === undefined ? undefined : { time: last.time, by: last.by },
      sweeps: period.length,
      filesDeleted: total((r) => r.removed?.files?.length ?? 0),
      filesRewritten: total((r) => r.removed?.rewritten?.length ?? 0),
      linesRemoved: total((r) => r.removed?.lines ?? 0),
      saltsDestroyed: total((r) => r.removed?.epochs?.length ?? 0),
      otherRemoved: total((r) => (r.removed?.partitions?.length ?? 0) + (r.removed?.rows ?? 0) + (r.removed?.items?.length ?? 0)),
      failures: period.filter((r) => r.error !== undefined).length,
    };
  });
  const epochs = inPeriod.flatMap((r) => (r.action === 'sweep' ? (r.removed?.epochs ?? []) : [])).sort((a, b) => a.slice(a.indexOf(' ')).localeCompare(b.slice(b.indexOf(' '))));
  const v = facts.verification;
  return {
    generated: iso(facts.now),
    since: iso(facts.since),
    period: facts.period,
    policy: facts.policy,
    auditLog: facts.auditLog,
    chain: { intact: v.ok, records: v.records, head: v.head, ...(v.firstBad !== undefined ? { firstBad: v.firstBad } : {}) },
    windows: facts.windows,
    stores,
    salts: { destroyed: epochs.length, first: epochs[0], last: epochs[epochs.length - 1] },
    requests: inPeriod
      .filter((r) => r.request !== undefined)
      .map((r) => ({ time: r.time, action: r.action, id: r.request!.id, found: sum(r.request!.found), erased: r.request!.erased === undefined ? undefined : sum(r.request!.erased), unlinkableDays: r.request!.unlinkable_days })),
    starts: inPeriod.filter((r) => r.action === 'start-refused' || r.action === 'longer-retention-allowed').map((r) => ({ time: r.time, action: r.action, by: r.by, reason: r.reason ?? '' })),
    inPolicy: v.ok && facts.stores.every((s) => !s.outOfPolicy),
  };
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');
const when = (s: string | undefined): string => (s === undefined ? '—' : s.replace('.000Z', 'Z'));

/**
 * The report as Markdown, for filing.
 *
 * @example
 * io.stdout.write(renderMarkdown(report));
 */
export function renderMarkdown(r: AuditReport): string {
  const out: string[] = [];
  out.push('# gallra audit report', '');
  out.push(`Generated ${when(r.generated)} for the period from ${when(r.since)} (${r.period}).`, '');
  out.push(`- Policy: \`${r.policy}\``);
  out.push(`- Audit log: \`${r.auditLog}\``);
  if (r.chain.intact) {
    out.push(`- Audit trail: **intact** — ${r.chain.records} record${r.chain.records === 1 ? '' : 's'}${r.chain.head === undefined ? '' : `, the last #${r.chain.head.seq} with hash \`${r.chain.head.hash}\` (note it: a later report whose trail does not reach it shows records were cut off)`}`);
  } else {
    const b = r.chain.firstBad!;
    out.push(`- Audit trail: **BROKEN** at line ${b.line}${b.seq === undefined ? '' : ` (record #${b.seq})`}: ${b.reason}. Records from there on are shown but not verified.`);
  }
  out.push(`- Overall: **${r.inPolicy ? 'within policy' : 'OUT OF POLICY'}**`, '');

  out.push('## Windows in force', '', '| setting | value | meaning |', '|---|---|---|');
  for (const w of r.windows) out.push(`| \`${w.setting}\` | ${w.value} | ${cell(w.meaning)} |`);
  out.push('');

  out.push('## Stores', '', '| store | kind | held to | last sweep | oldest held now | window starts | within window |', '|---|---|---|---|---|---|---|');
  for (const s of r.stores) {
    const last = s.lastSweep === undefined ? 'none recorded' : `${when(s.lastSweep.time)} (${s.lastSweep.by})`;
    const oldest = s.error !== undefined ? `unknown (${s.error})` : s.oldest === undefined ? 'nothing held' : when(iso(s.oldest));
    out.push(`| ${cell(s.store)} | ${s.kind} | ${cell(s.clause)} | ${last} | ${oldest} | ${s.cutoff === undefined ? '—' : when(iso(s.cutoff))} | ${s.outOfPolicy ? '**no**' : 'yes'} |`);
  }
  out.push('');

  out.push('## Removed in the period', '', '| store | sweeps recorded | files deleted | files rewritten | lines removed | salts destroyed | other | failed sweeps |', '|---|---|---|---|---|---|---|---|');
  for (const s of r.stores) out.push(`| ${cell(s.store)} | ${s.sweeps} | ${s.filesDeleted} | ${s.filesRewritten} | ${s.linesRemoved} | ${s.saltsDestroyed} | ${s.otherRemoved} | ${s.failures} |`);
  out.push('', 'Sweeps that removed nothing are recorded at most once an hour per store.', '');

  out.push('## Salts destroyed in the period', '');
  out.push(r.salts.destroyed === 0 ? 'None.' : `${r.salts.destroyed} salt${r.salts.destroyed === 1 ? '' : 's'}, epochs ${r.salts.first} to ${r.salts.last}. The pseudonyms of those epochs can no longer be linked to anyone.`, '');

  out.push('## Data-subject requests in the period', '');
  if (r.requests.length === 0) out.push('None.');
  else {
    out.push('| time | request | id | events found | events erased | stored days already unlinkable |', '|---|---|---|---|---|---|');
    for (const q of r.requests) out.push(`| ${when(q.time)} | ${q.action.replace('subject-', '')} | \`${q.id}\` | ${q.found} | ${q.erased ?? '—'} | ${q.unlinkableDays} |`);
  }
  out.push('');

  out.push('## Starts refused, or allowed, over longer retention', '');
  if (r.starts.length === 0) out.push('None.');
  else for (const s of r.starts) out.push(`- ${when(s.time)} ${s.by}: ${s.action === 'start-refused' ? 'refused' : 'allowed (--allow-longer-retention)'} — ${s.reason}`);
  out.push('');
  return out.join('\n');
}
