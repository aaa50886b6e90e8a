/**
 * Data-subject requests over a file store built by the real pipeline on an
 * injected clock: the person's events are found by their pseudonyms and
 * visitor ids in the epochs whose salts exist — in combined and JSON lines,
 * plain and gzipped — exported with their fields as stored, or erased and
 * nothing else; epochs whose salts were destroyed are reported unlinkable,
 * and their pseudonyms cannot be computed again; the audit record names no
 * identifier.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, readAuditLog } from '../../src/audit/log.js';
import { components } from '../../src/components.js';
import { isGallraError } from '../../src/errors.js';
import { AuditedKeyring } from '../../src/runtime/salt-store.js';
import { Sweeper } from '../../src/runtime/sweeper.js';
import { type ExportedEvent, subjectRequest } from '../../src/subject/request.js';
import type { SubjectIdentifiers } from '../../src/subject/link-fields.js';
import { DEFAULT_PSEUDONYM_OPTIONS, Pseudonymiser } from '../../src/transforms/pseudonymise.js';
import { clfTime, leaks, TempDirs } from '../helpers/cli.js';
import { POLICY, type SubjectStore, subjectStore } from '../helpers/subject-store.js';

const tmp = new TempDirs();
const stores: SubjectStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  tmp.cleanup();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Day D: 14 Mar 2031. With P1D epochs and PT1H grace, at D+1 00:30 the epochs of D and D+1 are open, D−1's is closed. */
const D = Date.UTC(2031, 2, 14);
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const OTHER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

function combined(ms: number, ip: string, user: string, p = '/'): string {
  return `${ip} - ${user} [${clfTime(ms)}] "GET ${p} HTTP/1.1" 200 512 "-" "${UA}"`;
}
function json(ms: number, o: Record<string, unknown>): string {
  return JSON.stringify({ time: new Date(ms).toISOString(), status: 200, host: 'shop.example.org', user_agent: UA, ...o });
}

function make(): SubjectStore {
  const s = subjectStore(tmp.make('subject'), D - DAY + 10 * HOUR);
  stores.push(s);
  return s;
}

const MIN = 60_000;

/**
 * Stores a few events for alice, bob and an anonymous visitor early on each
 * of D−1, D and D+1 (the clock only moves forward, as a keyring expects),
 * and leaves the clock at D+1 00:30: D−1's epoch closed (its salt goes), D
 * and D+1 live.
 */
async function populate(s: SubjectStore): Promise<void> {
  for (const day of [D - DAY, D, D + DAY]) {
    s.clock.t = day + 20 * MIN;
    await s.store([
      combined(day + 5 * MIN, '81.6.12.34', 'alice', '/cart'),
      combined(day + 5 * MIN + 1000, '198.51.100.7', 'bob'),
      json(day + 10 * MIN, { client_ip: '81.6.12.34', user_id: 'alice', email: 'alice@example.se' }),
      json(day + 10 * MIN + 1000, { client_ip: '198.51.100.7', user_id: 'bob', email: 'bob@example.se' }),
      json(day + 15 * MIN, { client_ip: '203.0.113.99' }), // alice again, not logged in: only her visitor id says so
      json(day + 15 * MIN + 1000, { client_ip: '203.0.113.99', user_agent: OTHER_UA }), // someone else behind the same address
    ]);
  }
  s.clock.t = D + DAY + 30 * MIN;
}

async function request(s: SubjectStore, action: 'export' | 'erase', ids: SubjectIdentifiers): Promise<{ result: Awaited<ReturnType<typeof subjectRequest>>; events: ExportedEvent[] }> {
  const events: ExportedEvent[] = [];
  const audit = new AuditLog(path.join(s.dir, 'state', 'audit.jsonl'), { now: () => s.clock.t });
  // As the CLI does: the salts the request destroys first are recorded too.
  const keyring = new AuditedKeyring(s.keyring, audit, { by: `gallra subject ${action}`, clause: 'salts.epoch: P1D + salts.grace: PT1H', onError: (err) => { throw err; } });
  const result = await subjectRequest(s.loaded, { action, ids, keyring, now: s.clock.t, audit, by: `gallra subject ${action}`, onEvent: (e) => events.push(e) });
  return { result, events };
}

describe('subject export', () => {
  it('finds the person by user id in combined and JSON lines in every live epoch, with their fields as stored, and nothing of anyone else', async () => {
    const s = make();
    await populate(s);
    const { result, events } = await request(s, 'export', { user: 'alice' });
    expect(result.linkable.map((e) => e.start)).toEqual([D, D + DAY]);
    expect(events.map((e) => [e.file, e.format, e.matched])).toEqual([
      ['access-2031-03-14.log', 'combined', ['remote_user']],
      ['access-2031-03-14.log', 'json', ['user_id']],
      ['access-2031-03-15.log', 'combined', ['remote_user']],
      ['access-2031-03-15.log', 'json', ['user_id']],
    ]);
    const c = events[0]!;
    expect(c).toMatchObject({ store: 'out', line: 1, time: new Date(D + 5 * MIN).toISOString() });
    expect(c.fields).toMatchObject({ remote_addr: '81.6.12.0', time_local: clfTime(D + 5 * MIN), status: '200' });
    expect(c.fields.remote_user).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // The export is what is stored: the stored line holds exactly these values.
    expect(s.files()['access-2031-03-14.log']![0]).toContain(c.fields.remote_user as string);
    expect(JSON.stringify(events)).not.toContain('alice');
    expect(result.stores).toEqual([{ store: 'out', found: 4, erased: undefined, files: ['access-2031-03-14.log', 'access-2031-03-15.log'] }]);
  });

  it('finds the person by e-mail address, and by visitor id from their full address and user agent', async () => {
    const s = make();
    await populate(s);
    expect((await request(s, 'export', { email: 'alice@example.se' })).events.map((e) => e.matched)).toEqual([['email'], ['email']]);
    const byVisitor = (await request(s, 'export', { ip: '203.0.113.99', userAgent: UA })).events;
    expect(byVisitor.map((e) => [e.file, e.matched])).toEqual([
      ['access-2031-03-14.log', ['visitor_id']],
      ['access-2031-03-15.log', ['visitor_id']],
    ]);
    expect(byVisitor.every((e) => e.fields.user_agent !== undefined)).toBe(true);
  });

  it('reports the days whose salts are gone as unlinkable, and finds nothing there', async () => {
    const s = make();
    await populate(s);
    const { result, events } = await request(s, 'export', { user: 'alice' });
    expect(result.unlinkableDays).toEqual({ count: 1, first: D - DAY, last: D - DAY });
    expect(events.some((e) => e.file === 'access-2031-03-13.log')).toBe(false);
    expect(result.notes.at(-1)).toMatch(/^aggregates: .*nothing about any one person/);
  });

  it('cannot compute the pseudonyms of an epoch once its salt is destroyed on schedule: what it found before, it no longer finds', async () => {
    const s = make();
    s.clock.t = D + 12 * HOUR;
    const [stored] = await s.store([combined(D + 9 * HOUR, '81.6.12.34', 'alice')]);
    const pseudonym = / - (\S+) \[/.exec(stored!.text)![1]!;
    expect((await request(s, 'export', { user: 'alice' })).events).toHaveLength(1);
    // D's epoch closes at D+1 01:00; the sweeper destroys its salt then.
    s.clock.t = D + DAY + HOUR;
    const sweep = await Sweeper.forPolicy(s.loaded, components, () => s.clock.t, { by: 'test', env: { GALLRA_STATE_DIR: path.join(s.dir, 'state') }, keyring: s.keyring }).sweep(false);
    expect(sweep.find((r) => r.store === 'salts')!.removed).toEqual([{ what: 'salt', name: 'P1D 2031-03-14T00:00:00Z' }]);
    const { result, events } = await request(s, 'export', { user: 'alice' });
    expect(events).toEqual([]);
    expect(result.linkable.map((e) => e.start)).toEqual([D + DAY]);
    expect(result.unlinkableDays.count).toBe(1);
    // Nor can anyone else: the keyring hands out only a throw-away salt for that epoch now.
    expect(s.keyring.saltFor(D + 9 * HOUR).ephemeral).toBe(true);
    expect(new Pseudonymiser(s.keyring, DEFAULT_PSEUDONYM_OPTIONS).pseudonym('user', 'alice', D + 9 * HOUR)).not.toBe(pseudonym);
  });
});

describe('a policy that keeps an identity field as it is', () => {
  it('is searched for that field in every stored day, salt or no salt, and the result says which fields', async () => {
    const s = subjectStore(tmp.make('subject'), D - DAY + 20 * MIN, `${POLICY}fields:\n  remote_user: keep\n`);
    stores.push(s);
    await populate(s);
    const { result, events } = await request(s, 'export', { user: 'alice' });
    expect(result.plainFields).toEqual(['remote_user']);
    expect(events.filter((e) => e.format === 'combined').map((e) => [e.file, e.matched, e.fields.remote_user])).toEqual([
      ['access-2031-03-13.log', ['remote_user'], 'alice'],
      ['access-2031-03-14.log', ['remote_user'], 'alice'],
      ['access-2031-03-15.log', ['remote_user'], 'alice'],
    ]);
    // The JSON user_id is still pseudonymised: found in live epochs only.
    expect(events.filter((e) => e.format === 'json').map((e) => e.file)).toEqual(['access-2031-03-14.log', 'access-2031-03-15.log']);
  });
});

describe('subject erase', () => {
  it('rewrites the files without the person\'s events in live epochs, gzipped ones too, and leaves every other line as it was', async () => {
    const s = make();
    await populate(s);
    s.gzip('access-2031-03-14.log');
    const before = s.files();
    const { result } = await request(s, 'erase', { user: 'alice', email: 'alice@example.se' });
    expect(result.stores[0]).toMatchObject({ found: 4, erased: 4, files: ['access-2031-03-14.log.gz', 'access-2031-03-15.log'] });
    const after = s.files();
    expect(after['access-2031-03-13.log']).toEqual(before['access-2031-03-13.log']); // unlinkable: untouched
    for (const f of ['access-2031-03-14.log.gz', 'access-2031-03-15.log']) {
      expect(after[f]).toEqual([before[f]![1], before[f]![3], before[f]![4], before[f]![5]]);
    }
    expect((await request(s, 'export', { user: 'alice' })).events).toEqual([]);
  });

  it('records the request in the audit trail with counts, epochs and files, and no identifier, pseudonym or visitor id', async () => {
    const s = make();
    await populate(s);
    const exported = (await request(s, 'export', { user: 'alice', email: 'alice@example.se', ip: '203.0.113.99', userAgent: UA })).events;
    const secrets = [...new Set(exported.flatMap((e) => e.matched.map((m) => String(e.fields[m]))))];
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    await request(s, 'erase', { user: 'alice', email: 'alice@example.se', ip: '203.0.113.99', userAgent: UA });
    const file = path.join(s.dir, 'state', 'audit.jsonl');
    const { verification, records } = await readAuditLog(file);
    expect(verification.ok).toBe(true);
    const erase = records.find((r) => r.action === 'subject-erase')!;
    expect(erase).toMatchObject({
      by: 'gallra subject erase',
      clause: 'erasure on request',
      request: { identifiers: ['user', 'email', 'ip+user_agent'], linkable_epochs: ['P1D 2031-03-14T00:00:00Z', 'P1D 2031-03-15T00:00:00Z'], unlinkable_days: 1, found: { out: 6 }, erased: { out: 6 } },
    });
    expect(records.some((r) => r.action === 'subject-export')).toBe(true);
    expect(records.some((r) => r.store === 'salts')).toBe(true); // D−1's overdue salt, destroyed first
    const text = fs.readFileSync(file, 'utf8');
    expect(leaks(text, ['alice', 'alice@example.se', '81.6.12.34', '203.0.113.99', UA, 'Firefox', ...secrets], true)).toEqual([]);
  });

  it('refuses while a running gallra writes the store (GALLRA_STORE_BUSY), and changes nothing', async () => {
    const s = make();
    await populate(s);
    fs.writeFileSync(path.join(s.out, '.access.writer.1'), '1\n'); // pid 1 is alive
    const before = s.files();
    let err: unknown;
    await request(s, 'erase', { user: 'alice' }).catch((e: unknown) => (err = e));
    expect(isGallraError(err) && err.code).toBe('GALLRA_STORE_BUSY');
    expect((err as Error).message).toMatch(/pid 1.*Stop gallra run.*Nothing was changed/s);
    expect(s.files()).toEqual(before);
  });

  it('removes exactly the person\'s events in live epochs and nothing else, over random stores', async () => {
    const users = ['alice', 'bob', 'carl', 'dana'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ user: fc.constantFrom(...users), day: fc.integer({ min: -2, max: 1 }), minute: fc.integer({ min: 0, max: 1439 }), json: fc.boolean() }), { minLength: 1, maxLength: 40 }).map((evs) =>
          evs.map((e) => (e.day === 1 ? { ...e, minute: e.minute % 30 } : e)),
        ),
        fc.constantFrom(...users),
        fc.boolean(),
        async (events, target, gz) => {
          const s = make();
          const truth: { text: string; file: string; mine: boolean }[] = [];
          for (const day of [-2, -1, 0, 1]) {
            // The clock only moves forward; day 1's events come before its 00:30.
            s.clock.t = day === 1 ? D + DAY + 30 * MIN : D + day * DAY + 23 * HOUR + 59 * MIN;
            const raw = events.filter((e) => e.day === day);
            const lines = raw.map((e) => {
              const t = D + e.day * DAY + e.minute * 60_000;
              return e.json ? json(t, { client_ip: '10.1.2.3', user_id: e.user }) : combined(t, '10.1.2.3', e.user);
            });
            const stored = await s.store(lines);
            stored.forEach((st, i) => truth.push({ text: st.text, file: st.file, mine: raw[i]!.user === target && day >= 0 }));
          }
          // Now D+1 00:30: days 0 and 1 live, −1 and −2 closed.
          if (gz && fs.existsSync(path.join(s.out, 'access-2031-03-14.log'))) s.gzip('access-2031-03-14.log');
          const { result } = await request(s, 'erase', { user: target });
          const expected: Record<string, string[]> = {};
          for (const t of truth) {
            const file = gz && t.file === 'access-2031-03-14.log' ? `${t.file}.gz` : t.file;
            expected[file] ??= [];
            if (!t.mine) expected[file]!.push(t.text);
          }
          for (const f of Object.keys(expected)) if (expected[f]!.length === 0) delete expected[f];
          expect(s.files()).toEqual(expected);
          expect(result.stores[0]!.erased).toBe(truth.filter((t) => t.mine).length);
          s.close();
          stores.splice(stores.indexOf(s), 1);
        },
      ),
      { seed: 0x5b1ec7, numRuns: 25 },
    );
  });
});
