/**
 * Every error gallra raises on purpose has a code from this one list, so
 * operators can grep for it and the README can document each one (a test
 * keeps the two in step). Messages say what was wrong, where, and what to do;
 * they never quote input data (a log line may hold personal data).
 */
export const ERROR_CODES = {
  /** Command line misuse: unknown subcommand or flag, missing argument. */
  GALLRA_USAGE: { exitCode: 2, retriable: false },
  /** Config file missing or unreadable. */
  GALLRA_CONFIG_NOT_FOUND: { exitCode: 2, retriable: false },
  /** Config file is not valid YAML/JSON. */
  GALLRA_CONFIG_SYNTAX: { exitCode: 2, retriable: false },
  /** Config file parses but a field is wrong (unknown key, bad value). */
  GALLRA_CONFIG_INVALID: { exitCode: 2, retriable: false },
  /** A store would keep data longer than the retention window (a Kafka topic's retention.ms), and --allow-longer-retention was not given. */
  GALLRA_CONFIG_RETENTION: { exitCode: 2, retriable: false },
  /** An input file named on the command line cannot be opened. */
  GALLRA_INPUT_NOT_FOUND: { exitCode: 1, retriable: false },
  /** Reading an input failed mid-stream (I/O error, corrupt gzip). */
  GALLRA_INPUT_IO: { exitCode: 1, retriable: true },
  /** Writing an output failed (disk full, closed pipe, permissions). */
  GALLRA_OUTPUT_IO: { exitCode: 1, retriable: true },
  /** The salt directory or a salt file has permissions other than 0700/0600. */
  GALLRA_KEYRING_PERMISSIONS: { exitCode: 1, retriable: false },
  /** A salt file exists but is not exactly 32 bytes. */
  GALLRA_KEYRING_CORRUPT: { exitCode: 1, retriable: false },
  /** The salt directory cannot be created, read or written. */
  GALLRA_KEYRING_IO: { exitCode: 1, retriable: true },
  /** A source (file tail, FIFO, syslog listener) could not start or failed. */
  GALLRA_SOURCE_FAILED: { exitCode: 1, retriable: true },
  /** A sink could not start or could not durably accept data. */
  GALLRA_SINK_FAILED: { exitCode: 1, retriable: true },
  /** A checkpoint could not be read or written. */
  GALLRA_CHECKPOINT_IO: { exitCode: 1, retriable: true },
  /** The audit log cannot be read, locked or appended to. */
  GALLRA_AUDIT_IO: { exitCode: 1, retriable: true },
  /** The audit log's last record is damaged, so no record can be chained to it. */
  GALLRA_AUDIT_BROKEN: { exitCode: 1, retriable: false },
  /** A store is being written by a running gallra, and the operation (a data-subject erasure) must not run beside it. */
  GALLRA_STORE_BUSY: { exitCode: 1, retriable: true },
  /** The HTTP listener (health, metrics, API) could not bind its address. */
  GALLRA_HTTP_FAILED: { exitCode: 1, retriable: true },
  /** The aggregate store could not be opened, written or read. */
  GALLRA_STORE_FAILED: { exitCode: 1, retriable: true },
  /** The aggregate store's database is held by another process (the writer, gallra run). */
  GALLRA_STORE_LOCKED: { exitCode: 1, retriable: true },
  /** An analyst's SQL was refused: not one read-only statement over the aggregate tables. */
  GALLRA_QUERY_REFUSED: { exitCode: 1, retriable: false },
  /** An analyst's SQL failed (a syntax error, an unknown column, the time limit). */
  GALLRA_QUERY_FAILED: { exitCode: 1, retriable: false },
  /** A worker thread of `anonymise --threads` failed or died. */
  GALLRA_WORKER_FAILED: { exitCode: 1, retriable: false },
  /** The Kafka keyring topic is missing, unreadable, or set to keep salts longer than their epoch (retention, cleanup policy). */
  GALLRA_CONFIG_KEYRING_TOPIC: { exitCode: 2, retriable: false },
  /** `gallra kafka-dev` could not start the embedded mock cluster or create a topic. */
  GALLRA_KAFKA_DEV_FAILED: { exitCode: 1, retriable: false },
  /** A bug in gallra (an internal contract was broken): please report it. */
  GALLRA_INTERNAL: { exitCode: 1, retriable: false },
} as const satisfies Record<string, { exitCode: 1 | 2; retriable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Base class of every deliberate gallra error.
 *
 * @example
 * throw new GallraError('GALLRA_CONFIG_INVALID', 'config/x.yaml:3: ipv4_prefix: must be 0..32');
 */
export class GallraError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: 1 | 2;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GallraError';
    this.code = code;
    this.exitCode = ERROR_CODES[code].exitCode;
    this.retriable = ERROR_CODES[code].retriable;
  }
}

/**
 * True when `err` is a GallraError (also across module copies).
 *
 * @example
 * if (isGallraError(e) && e.code === 'GALLRA_USAGE') printHelp();
 */
export function isGallraError(err: unknown): err is GallraError {
  return err instanceof GallraError || (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'GallraError');
}
