/**
 * The keyring's error messages, in one place so that every backend says the
 * same thing the same way: what is wrong, which file, and the command that
 * fixes it. They name paths and modes, never salt bytes.
 */
import { GallraError } from '../errors.js';
import { errnoOf } from '../util/errno.js';

/**
 * The salt directory or a file in it could not be used (GALLRA_KEYRING_IO).
 *
 * @example
 * throw keyringIoError('read', path, err);
 */
export function keyringIoError(op: string, path: string, cause: unknown): GallraError {
  const code = errnoOf(cause);
  return new GallraError(
    'GALLRA_KEYRING_IO',
    `salt keyring: cannot ${op} ${path}${code === undefined ? '' : ` (${code})`}; check that the salt directory exists, belongs to this user, is writable and the disk is not full`,
    { cause },
  );
}

/**
 * A file named like a salt is not one (GALLRA_KEYRING_CORRUPT).
 *
 * @example
 * throw corruptSaltError(path, 'is 16 bytes, not 32');
 */
export function corruptSaltError(path: string, what: string): GallraError {
  return new GallraError(
    'GALLRA_KEYRING_CORRUPT',
    `salt file ${path} ${what}; it is not a valid salt. Destroy it with \`gallra salts destroy --all\` or delete it (pseudonyms of that epoch will change)`,
  );
}

/**
 * A salt file that is not 0600, or a salt directory group or others can
 * reach (GALLRA_KEYRING_PERMISSIONS), with the chmod that fixes it.
 *
 * @example
 * throw permissionsError('file', path, 0o640);
 */
export function permissionsError(kind: 'file' | 'directory', path: string, mode: number): GallraError {
  return kind === 'file'
    ? new GallraError('GALLRA_KEYRING_PERMISSIONS', `salt file ${path} has mode ${octal(mode)}; it must be 0600 (readable by its owner only). Fix: chmod 600 ${shellQuote(path)}`)
    : new GallraError('GALLRA_KEYRING_PERMISSIONS', `salt directory ${path} has mode ${octal(mode)}; it must be 0700 (accessible by its owner only). Fix: chmod 700 ${shellQuote(path)}`);
}

/**
 * The pipeline asked for the salt of an open epoch it had not prepared
 * (GALLRA_INTERNAL): a bug in the caller, not in the input or the machine.
 *
 * @example
 * throw unpreparedEpochError('P1D-20261122T000000Z');
 */
export function unpreparedEpochError(epoch: string): GallraError {
  return new GallraError(
    'GALLRA_INTERNAL',
    `salt keyring: the salt of open epoch ${epoch} was asked for before prepare() loaded it; this is a bug in gallra: please report it`,
  );
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/** Quotes a path for the copy-pasteable fix in an error message only when the shell would need it. */
function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
