/**
 * The salt keyring: per-epoch salts for pseudonyms, loaded ahead of use,
 * shared by every instance that must agree, destroyed when the epoch closes.
 * `keyring.ts` is the contract; `salt-table.ts` the in-memory half every
 * backend shares (the per-line lookup); `file.ts` the file backend, with
 * `salt-files.ts` (layout, creation, permission checks) and `destroy.ts`;
 * `housekeeping.ts` the timer that destroys closed salts.
 */
export { FileKeyring, type FileKeyringOptions } from './file.js';
export { type EpochSalt, type Keyring, type SaltFileInfo } from './keyring.js';
export { EPHEMERAL_CAP, HORIZON_SLACK_MS, SaltTable, type SaltTableOptions } from './salt-table.js';
