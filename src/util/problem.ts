/**
 * A problem found in a policy: where it is (the field path), what is wrong
 * and what to do. The policy loader turns these into one error naming the
 * file, line and column of each.
 */
export interface ConfigProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly fix: string;
  /** For an unknown key: the last path segment is the key, and the location points at it rather than its value. */
  readonly atKey?: boolean;
}
