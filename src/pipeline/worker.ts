/**
 * A worker thread of `gallra anonymise --threads N`: it anonymises batches
 * of whole lines and sends back the output bytes. Each worker builds its own
 * engine from the same policy; they agree on pseudonyms because salts of
 * open epochs are shared files and throw-away salts of closed epochs derive
 * from one secret the main thread hands to every worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FileKeyring } from '../keyring/file.js';
import { startHousekeeping } from '../keyring/housekeeping.js';
import { loadPolicy } from '../policy/load.js';
import { toDuration } from '../policy/schema-helpers.js';
import { Anonymiser, collectOutput } from './anonymiser.js';
import { LineSplitter } from './line-splitter.js';

/** What the main thread tells each worker at start. */
export interface WorkerInit {
  readonly policyFile: string | undefined;
  readonly env: Record<string, string | undefined>;
  readonly format: string | undefined;
  readonly unparsed: 'drop' | 'scrub' | undefined;
  readonly ephemeralSecret: Uint8Array;
}

/** main → worker */
export type ToWorker = { readonly seq: number; readonly data: Uint8Array } | { readonly end: true };
/** worker → main */
export type FromWorker = { readonly seq: number; readonly out: Uint8Array } | { readonly stats: ReturnType<Anonymiser['stats']['toJSON']> } | { readonly error: string };

const PIECE = 64 * 1024;

function main(): void {
  const port = parentPort;
  if (port === null) throw new Error('gallra worker: not started as a worker thread');
  const init = workerData as WorkerInit;
  const loaded = loadPolicy(init.policyFile, init.env);
  const policy = loaded.config;
  const keyring = new FileKeyring({ dir: loaded.saltDir, period: policy.salts.epoch, grace: toDuration(policy.salts.grace), future: toDuration(policy.retention.max_future), ephemeralSecret: init.ephemeralSecret });
  const a = new Anonymiser({ policy, keyring, ...(init.format !== undefined && { format: init.format }), ...(init.unparsed !== undefined && { unparsed: init.unparsed }) });
  const { handler, take } = collectOutput(a);
  // The secret was copied into the keyring; the message's copy goes.
  init.ephemeralSecret.fill(0);
  // Workers live as long as the run (days, for a piped logger): closed salts,
  // and the keyed states derived from them, go here too.
  const housekeeping = startHousekeeping(keyring, () => [a.pseudonymiser], () => undefined);
  // Messages are handled one after the other, in order: handling awaits the keyring's prepare().
  let queue = Promise.resolve();
  port.on('message', (msg: ToWorker) => {
    queue = queue.then(() => handle(msg));
  });
  const handle = async (msg: ToWorker): Promise<void> => {
    try {
      if ('end' in msg) {
        await housekeeping.stop();
        keyring.close();
        a.pseudonymiser.clear();
        port.postMessage({ stats: a.stats.toJSON() } satisfies FromWorker);
        port.close();
        return;
      }
      await keyring.prepare(Date.now());
      a.beginBatch();
      // Batches hold whole lines, so each gets its own splitter.
      const splitter = new LineSplitter(policy.input.max_line_length, handler);
      const data = Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
      // In 64 KiB pieces: each piece is decoded into one string, and strings
      // that large stay in V8's young generation; a 1 MiB one would be
      // allocated (and page-faulted in) afresh in large-object space.
      for (let off = 0; off < data.length; off += PIECE) splitter.push(data.subarray(off, Math.min(data.length, off + PIECE)));
      splitter.end();
      // A buffer of its own (not a slice of Node's shared pool), so it can be transferred.
      const out = take();
      const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(out));
      bytes.write(out, 'utf8');
      port.postMessage({ seq: msg.seq, out: bytes } satisfies FromWorker, [bytes.buffer]);
    } catch (err) {
      // Only a keyring failure gets here (input cannot throw); the main thread reports it.
      port.postMessage({ error: (err as Error).message } satisfies FromWorker);
    }
  };
}

main();
