/**
 * A file store as `gallra run` leaves it, built in-process on an injected
 * clock: raw lines go through the real pipeline (a FileKeyring in the
 * fixture's state directory) and their anonymised forms are filed by event
 * day into `out/access-YYYY-MM-DD.log`, so data-subject requests and sweeps
 * can be tested against stored events whose salts live or are gone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Event } from '../../src/event/event.js';
import type { Format } from '../../src/formats/format.js';
import { FileKeyring } from '../../src/keyring/file.js';
import { loadPolicy, type LoadedPolicy } from '../../src/policy/load.js';
import { buildLinePipeline } from '../../src/runtime/build.js';
import { dayLabel, dayOf } from '../../src/sinks/sink.js';
import { mustParseDuration } from '../../src/time/duration.js';

export const POLICY = `input:
  format: auto
sources:
  - type: stdin
sinks:
  - type: file
    name: out
    dir: out
salts:
  dir: state/salts
audit:
  path: state/audit.jsonl
`;

export interface StoredLine {
  /** The anonymised line as stored. */
  readonly text: string;
  readonly time: number;
  /** Its file's base name. */
  readonly file: string;
}

export interface SubjectStore {
  readonly dir: string;
  readonly out: string;
  readonly loaded: LoadedPolicy;
  readonly clock: { t: number };
  readonly keyring: FileKeyring;
  /** Anonymises raw lines at the clock's time (salts of open epochs created as the pipeline needs them) and files them by event day. */
  store(raw: readonly string[]): Promise<StoredLine[]>;
  /** Gzips a day file, as the sink does with a closed day. */
  gzip(file: string): void;
  /** Every day file's lines, by base name (gzipped ones decompressed). */
  files(): Record<string, string[]>;
  close(): void;
}

/**
 * @example
 * const s = subjectStore(tmp.make('subject'), T0); await s.store([line]);
 */
export function subjectStore(dir: string, t0: number, policy = POLICY): SubjectStore {
  const file = path.join(dir, 'policy.yaml');
  fs.writeFileSync(file, policy);
  const env = { GALLRA_STATE_DIR: path.join(dir, 'state') };
  const loaded = loadPolicy(file, env);
  const clock = { t: t0 };
  const keyring = new FileKeyring({ dir: loaded.saltDir, period: loaded.config.salts.epoch, grace: mustParseDuration(loaded.config.salts.grace), future: mustParseDuration('PT1H'), now: () => clock.t });
  const built = buildLinePipeline({ policy: loaded.config, keyring, now: () => clock.t });
  const got: { text: string; time: number }[] = [];
  built.pipeline.consumers.push({ consume: (ev: Event, format: Format) => void got.push({ text: format.encode(ev), time: ev.time }) });
  const out = path.join(dir, 'out');
  fs.mkdirSync(out, { recursive: true });
  return {
    dir,
    out,
    loaded,
    clock,
    keyring,
    async store(raw) {
      await built.pipeline.prepare();
      const stored: StoredLine[] = [];
      for (const line of raw) {
        got.length = 0;
        built.pipeline.beginBatch();
        built.pipeline.source(line, undefined, 0);
        built.pipeline.line(0, line.length);
        for (const g of got) {
          const name = `access-${dayLabel(dayOf(g.time))}.log`;
          fs.appendFileSync(path.join(out, name), `${g.text}\n`, { mode: 0o640 });
          stored.push({ text: g.text, time: g.time, file: name });
        }
      }
      return stored;
    },
    gzip(name) {
      const p = path.join(out, name);
      fs.writeFileSync(`${p}.gz`, gzipSync(fs.readFileSync(p)));
      fs.rmSync(p);
    },
    files() {
      const r: Record<string, string[]> = {};
      for (const n of fs.readdirSync(out).filter((x) => !x.startsWith('.')).sort()) {
        let b = fs.readFileSync(path.join(out, n));
        if (n.endsWith('.gz')) b = gunzipSync(b);
        r[n] = b.toString('utf8').split('\n').slice(0, -1);
      }
      return r;
    },
    close() {
      keyring.close();
    },
  };
}
