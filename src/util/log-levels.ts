/**
 * The levels of gallra's own log, in a module of their own so the command
 * line can check `--log-level` without loading the logger (pino and the
 * redactor that scrubs what it writes).
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
