/**
 * Waiting in tests: polling for a condition, and running every cleanup a
 * test registered even when some fail.
 */

/**
 * Polls `cond` every 5 ms until it holds; fails, saying what was awaited,
 * after `ms`. Deadlines use performance.now(), not Date.now(), which some
 * tests skew.
 *
 * @example
 * await until(() => existsSync(file), `${file} to appear`);
 */
export async function until(cond: () => boolean, what: string | (() => string), ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * What a test opened, closed after it (last opened, first closed) whatever
 * happened: every cleanup runs even when one fails, so one test cannot break
 * the next, and the first failure is thrown at the end.
 *
 * @example
 * const cleanups = new Cleanups();
 * afterEach(() => cleanups.run());
 * cleanups.add(() => src.stop());
 */
export class Cleanups {
  private readonly fns: (() => Promise<void> | void)[] = [];

  add(fn: () => Promise<void> | void): void {
    this.fns.push(fn);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    while (this.fns.length > 0) await Promise.resolve().then(this.fns.pop()!).catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  }
}
