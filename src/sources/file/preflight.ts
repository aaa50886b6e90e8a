/**
 * What `gallra run` (at start) and `gallra check-config` say about a file
 * source's path before anything is read: a file that does not exist yet is
 * fine (it is followed once it appears) but worth a warning; a directory, a
 * pipe, a file the user cannot read or a gzip-compressed file never works
 * and is an error that says how to fix it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GallraError } from '../../errors.js';
import { isGzipFd } from './fingerprint.js';
import { expandGlob, isGlob } from './glob.js';

export interface PathCheck {
  /** Why the path can never be followed, with the fix; undefined when it can. */
  readonly error: GallraError | undefined;
  readonly warnings: readonly string[];
}

/** The user gallra runs as (its name, or its uid without a passwd entry), for messages about permissions. */
function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '?');
  }
}

function failed(message: string): PathCheck {
  return { error: new GallraError('GALLRA_SOURCE_FAILED', message), warnings: [] };
}

/** The fix for a log the service user may not read: Debian's web-server logs are group adm. */
function permissionFix(target: string): string {
  const user = userName();
  return `permission denied for user ${user}; give it read access to ${target} — web-server logs on Debian/Ubuntu belong to group adm: add the user to it (usermod -aG adm ${user}) or run the service with Group=adm (config/gallra.service does)`;
}

/**
 * Checks a file source's `path` (a file, or a pattern with wildcards in its name).
 *
 * @example
 * const { error, warnings } = checkFilePath('/var/log/nginx/access.log');
 * if (error) throw error;
 */
export function checkFilePath(p: string): PathCheck {
  if (isGlob(p)) return checkPattern(p);
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') return failed(`cannot look into ${path.dirname(p)}: ${permissionFix(path.dirname(p))}`);
    if (code === 'ENOTDIR') return failed(`${p}: a part of the path is not a directory`);
    if (code !== 'ENOENT') return failed(`${p}: cannot look at it (${code})`);
    const dirThere = fs.existsSync(path.dirname(p));
    return {
      error: undefined,
      warnings: [dirThere ? `${p} does not exist yet; it is followed from its first byte once it appears` : `neither ${p} nor its directory exists yet; it is followed from its first byte once it appears (is the path right?)`],
    };
  }
  if (st.isDirectory()) return failed(`${p} is a directory; name the log file in it (path: ${path.join(p, 'access.log')}) or a pattern for several (path: ${path.join(p, '*.log')})`);
  if (st.isFIFO()) return failed(`${p} is a named pipe; read it with a source of type: fifo`);
  if (!st.isFile()) return failed(`${p} is not a regular file`);
  let fd: number;
  try {
    fd = fs.openSync(p, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return failed(code === 'EACCES' ? `cannot read ${p}: ${permissionFix(p)}` : `cannot open ${p} (${code})`);
  }
  try {
    if (isGzipFd(fd)) return failed(`${p} is gzip-compressed; a compressed file is never appended to, so there is nothing to follow: read it once with gallra anonymise ${p}`);
  } finally {
    fs.closeSync(fd);
  }
  return { error: undefined, warnings: [] };
}

function checkPattern(p: string): PathCheck {
  const dir = path.dirname(p);
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') return failed(`cannot look into ${dir}: ${permissionFix(dir)}`);
    return { error: undefined, warnings: [`${dir} does not exist yet; files matching ${path.basename(p)} are followed once they appear`] };
  }
  if (!st.isDirectory()) return failed(`${dir} is not a directory`);
  try {
    fs.readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return failed(code === 'EACCES' ? `cannot list ${dir}: ${permissionFix(dir)}` : `cannot list ${dir} (${code})`);
  }
  const files = expandGlob(p);
  for (const f of files) {
    const one = checkFilePath(f);
    // A compressed file the pattern matches is skipped (with a warning) when running; an unreadable one would never be read.
    if (one.error !== undefined && one.error.message.includes('permission denied')) return one;
  }
  return { error: undefined, warnings: files.length === 0 ? [`no file matches ${p} yet; files are followed as they appear`] : [] };
}
