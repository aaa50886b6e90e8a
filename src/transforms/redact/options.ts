/** What the redactor looks for, and its defaults. */
import { type IpTruncation } from '../truncate-ip.js';

export interface RedactOptions {
  /** Truncate IP addresses found in text with this rule; undefined leaves them. */
  readonly ip: IpTruncation | undefined;
  readonly email: boolean;
  readonly personnummer: boolean;
  readonly phone: boolean;
  readonly card: boolean;
  readonly uuid: boolean;
  readonly mac: boolean;
  readonly secret: boolean;
  readonly userinfo: boolean;
  /** A token counts as a secret from this length on. */
  readonly secretMinLength: number;
  /** Parameter names whose values are always redacted (compared lower case, without `-`, `_`, `.`, `[]`). */
  readonly sensitiveParams: { readonly contains: readonly string[]; readonly exact: readonly string[] };
}

/** Names that are redacted when they appear anywhere in a parameter name. */
export const DEFAULT_SENSITIVE_CONTAINS = [
  'token', 'session', 'passw', 'pwd', 'secret', 'apikey', 'accesskey', 'privatekey', 'auth', 'email', 'mail',
  'phone', 'mobile', 'msisdn', 'ssn', 'personnummer', 'signature', 'credential', 'jwt', 'otp', 'cookie', 'iban',
  'cardnumber', 'ccnum',
] as const;
/** Names that are redacted only when they are the whole parameter name. */
export const DEFAULT_SENSITIVE_EXACT = [
  'key', 'sid', 'code', 'pass', 'pin', 'tel', 'sig', 'user', 'uid', 'userid', 'username', 'login', 'name',
  'firstname', 'lastname', 'fullname', 'address', 'nonce', 'ticket', 'pnr', 'cvv', 'cvc', 'state',
] as const;

export const DEFAULT_REDACT_OPTIONS: Omit<RedactOptions, 'ip'> = {
  email: true,
  personnummer: true,
  phone: true,
  card: true,
  uuid: true,
  mac: true,
  secret: true,
  userinfo: true,
  secretMinLength: 24,
  sensitiveParams: { contains: DEFAULT_SENSITIVE_CONTAINS, exact: DEFAULT_SENSITIVE_EXACT },
};

