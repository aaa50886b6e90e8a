/**
 * A worker thread of `gallra anonymise --threads N`: it anonymises batches
 * of whole lines and sends back the output bytes. Each worker builds its own
 * engine from the same policy; they agree on pseudonyms because salts of
 * open epochs are shared files and throw-away salts of closed epochs derive
 * from one secret the main thread hands to every worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isGallraError } from '../../errors.js';
import { FileKeyring } from '../../keyring/file.js';
import { startHousekeeping } from '../../keyring/housekeeping.js';
import { withSaltAudit } from '../salt-store.js';
import { LineSplitter } from '../../pipeline/line-splitter.js';
import type { StatsJson } from '../../pipeline/stats.js';
import { TextOutput } from '../../pipeline/text-output.js';
import { loadPolicyLazily } from '../../policy/builtin.js';
import { toDuration } from '../../time/duration.js';
import { buildLinePipeline } from '../build.js';
import { readRange } from './read-range.js';

/** What the main thread tells each worker at start. */
export interface WorkerInit {
  readonly policyFile: string | undefined;
  readonly env: Record<string, string | undefined>;
  readonly format: string | undefined;
  readonly unparsed: 'drop' | 'scrub' | undefined;
  readonly ephemeralSecret: Uint8Array;
}

/** main → worker */
export type ToWorker =
  | { readonly seq: number; readonly data: Uint8Array }
  /** The lines of `file` that start in bytes [from, to), read by the worker itself. */
  | { readonly seq: number; readonly file: string; readonly from: number; readonly to: number }
  | { readonly segmentEnd: true }
  | { readonly end: true };
/** worker → main; `lines`: the lines of a byte range (a batch's the main thread counted itself). */
export type FromWorker =
  | { readonly seq: number; readonly out: Uint8Array; readonly lines: number }
  /** Output of a batch or range so far, in order; the message with `out` ends it. */
  | { readonly seq: number; readonly part: Uint8Array }
  | { readonly stats: StatsJson }
  | { readonly error: string; readonly code: string | undefined };

const PIECE = 64 * 1024;
/**
 * Output is sent on once this many characters are collected (checked after
 * each 64 KiB of input, so a part stays below ~100 KiB). Parts that small
 * are flattened and encoded in V8's young generation and in malloc'd memory
 * that is reused; parts of a megabyte were built in large-object space and
 * fresh pages every time, which doubled the worker's page faults.
 */
const PART_CHARS = 32 * 1024;

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('gallra worker: not started as a worker thread');
  const init = workerData as WorkerInit;
  const loaded = await loadPolicyLazily(init.policyFile, init.env);
  const policy = loaded.config;
  const fileKeyring = new FileKeyring({ dir: loaded.saltDir, period: policy.salts.epoch, grace: toDuration(policy.salts.grace), future: toDuration(policy.retention.max_future), ephemeralSecret: init.ephemeralSecret });
  // A worker may be the one whose housekeeping destroys a salt: that goes into the audit trail too.
  const keyring = withSaltAudit(fileKeyring, loaded, 'gallra anonymise', () => undefined, init.env);
  const built = buildLinePipeline({ policy, keyring, format: init.format, unparsed: init.unparsed });
  const pipeline = built.pipeline;
  const output = new TextOutput();
  pipeline.consumers.push(output);
  // The secret was copied into the keyring; the message's copy goes.
  init.ephemeralSecret.fill(0);
  // Workers live as long as the run (days, for a piped logger): closed salts,
  // and the keyed states derived from them, go here too.
  const housekeeping = startHousekeeping(keyring, () => [built.pseudonymiser], () => undefined);
  // Batches are handled one at a time, in order: salts are prepared (async) before each.
  let queue = Promise.resolve();
  port.on('message', (msg: ToWorker) => {
    queue = queue.then(() => handle(msg));
  });
  /** Sends the output collected so far: a part of batch or range `seq`, or (with its line count) the whole of what is left of it. */
  const send = (seq: number, lines: number | undefined): void => {
    // A buffer of its own (not a slice of Node's shared pool), so it can be transferred.
    const out = output.take();
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(out));
    bytes.write(out, 'utf8');
    port.postMessage((lines === undefined ? { seq, part: bytes } : { seq, out: bytes, lines }) satisfies FromWorker, [bytes.buffer]);
  };
  const handle = async (msg: ToWorker): Promise<void> => {
    try {
      if ('end' in msg) {
        await housekeeping.stop();
        keyring.close();
        built.pseudonymiser.clear();
        port.postMessage({ stats: pipeline.syncStats().toJSON() } satisfies FromWorker);
        port.close();
        return;
      }
      if ('segmentEnd' in msg) {
        // The input ended: a layout its header declared ends with it (as on one thread).
        pipeline.segment('', true);
        return;
      }
      await pipeline.prepare();
      pipeline.beginBatch();
      const linesBefore = pipeline.stats.linesIn;
      // Batches and ranges hold whole lines, so each gets its own splitter.
      const splitter = new LineSplitter(policy.input.max_line_length, pipeline);
      if ('file' in msg) {
        readRange(msg.file, msg.from, msg.to, (piece) => {
          splitter.push(piece);
          if (output.length >= PART_CHARS) send(msg.seq, undefined);
        });
      } else {
        const data = Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
        // In 64 KiB pieces: each piece is decoded into one string, and strings
        // that large stay in V8's young generation; a 1 MiB one would be
        // allocated (and page-faulted in) afresh in large-object space.
        for (let off = 0; off < data.length; off += PIECE) {
          splitter.push(data.subarray(off, Math.min(data.length, off + PIECE)));
          if (output.length >= PART_CHARS) send(msg.seq, undefined);
        }
      }
      splitter.end();
      send(msg.seq, pipeline.stats.linesIn - linesBefore);
    } catch (err) {
      // Only a keyring failure gets here (input cannot throw); the main thread reports it, with its code.
      port.postMessage({ error: (err as Error).message, code: isGallraError(err) ? err.code : undefined } satisfies FromWorker);
    }
  };
}

await main();
