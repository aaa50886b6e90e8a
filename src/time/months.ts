/**
 * The English month abbreviations logs write (`22/Nov/2026`, `Nov 22
 * 10:00:00`), shared by the parsers and the writer.
 */

export const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/**
 * Three character codes packed into one number, so a month is found
 * without making a string per line (a fresh key would be hashed on every
 * lookup).
 *
 * @example
 * MONTH_CODES.indexOf(packMonth(78, 111, 118)) // 10 ('Nov')
 */
export function packMonth(a: number, b: number, c: number): number {
  return (a << 16) | (b << 8) | c;
}

/** {@link MONTH_NAMES} packed with {@link packMonth}. */
export const MONTH_CODES: readonly number[] = MONTH_NAMES.map((m) => packMonth(m.charCodeAt(0), m.charCodeAt(1), m.charCodeAt(2)));
