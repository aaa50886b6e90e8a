/**
 * The switch for the lean path (issue 14): specialised code for the common
 * case — the combined layout located by fixed widths, memos in front of
 * costly pure transforms — that falls back to the general path for
 * anything unusual and must produce the same bytes and counters. It lives
 * in the lowest layer because formats and transforms both read it.
 *
 * Read when a pipeline is built, so one process can build both: the
 * differential test (test/pipeline/lean-path.test.ts) runs the general path
 * as the reference beside the lean one. `GALLRA_LEAN=0` builds the general
 * path only, to measure one against the other with the same build.
 */
export const leanPath = { enabled: process.env.GALLRA_LEAN !== '0' };
