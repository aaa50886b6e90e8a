/**
 * The salt keyring: per-epoch salts for pseudonyms, created on first need,
 * shared by every instance that must agree, destroyed when the epoch closes.
 * See `keyring.ts` for the contract and `file.ts` for the file backend.
 */
export { FileKeyring, type FileKeyringOptions } from './file.js';
export { type EpochSalt, type Keyring, type SaltFileInfo } from './keyring.js';
