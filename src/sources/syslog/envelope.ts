/**
 * Strips the syslog envelope from a message, leaving the log line the sender
 * wrapped (nginx `access_log syslog:…`, HAProxy `log`, rsyslog forwarding):
 *
 * - RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG` — SD is `-` or
 *   one or more `[…]` elements (with `\]` escapes); MSG may start with a BOM.
 * - RFC 3164 (BSD): `<PRI>Mmm dd hh:mm:ss HOST TAG: MSG` — nginx writes
 *   `<190>Nov 22 10:00:00 web1 nginx: 81.6.12.34 - - […`. The host and the
 *   timestamp are optional in practice (some senders leave them out).
 *
 * The envelope's own fields (host name, tag, pid) are discarded: the policy
 * applies to the message, and the message carries its own timestamp.
 */
import { MONTH_CODES, packMonth } from '../../time/months.js';
import { LT, NINE, SPACE, ZERO } from '../../util/ascii.js';

const GT = 62;

/**
 * Offset in `b[start..end)` where the message proper begins, or -1 when the
 * bytes do not start with a syslog PRI (`<0>`..`<191>`).
 *
 * @example
 * messageStart(Buffer.from('<190>Nov 22 10:00:00 web1 nginx: GET /'), 0, 36) // 33
 */
export function messageStart(b: Uint8Array, start: number, end: number): number {
  if (end - start < 3 || b[start] !== LT) return -1;
  let i = start + 1;
  let pri = 0;
  let digits = 0;
  while (i < end && b[i]! >= ZERO && b[i]! <= NINE) {
    pri = pri * 10 + (b[i]! - ZERO);
    i++;
    if (++digits > 3) return -1;
  }
  if (digits === 0 || pri > 191 || i >= end || b[i] !== GT) return -1;
  i++;
  // RFC 5424: a version number and a space follow the PRI.
  if (i + 1 < end && b[i]! >= 49 && b[i]! <= NINE && b[i + 1] === SPACE) return rfc5424Message(b, i + 2, end);
  return rfc3164Message(b, i, end);
}

function skipToken(b: Uint8Array, i: number, end: number): number {
  while (i < end && b[i] !== SPACE) i++;
  return i < end ? i + 1 : end;
}

function rfc5424Message(b: Uint8Array, i: number, end: number): number {
  // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
  for (let k = 0; k < 5; k++) i = skipToken(b, i, end);
  if (i >= end) return end;
  if (b[i] === 45 /* - */) {
    i++;
  } else {
    // One or more SD-ELEMENTs: [id param="va\"lue" ...]
    while (i < end && b[i] === 91 /* [ */) {
      i++;
      let quoted = false;
      while (i < end) {
        const c = b[i]!;
        if (c === 92 /* \ */ && quoted) {
          i += 2;
          continue;
        }
        if (c === 34 /* " */) quoted = !quoted;
        else if (c === 93 /* ] */ && !quoted) break;
        i++;
      }
      i++;
    }
  }
  if (i < end && b[i] === SPACE) i++;
  // A UTF-8 BOM marks a UTF-8 MSG.
  if (i + 2 < end && b[i] === 0xef && b[i + 1] === 0xbb && b[i + 2] === 0xbf) i += 3;
  return Math.min(i, end);
}


/** `Mmm dd hh:mm:ss ` (the day space-padded) at `i`. */
function isBsdTimestamp(b: Uint8Array, i: number, end: number): boolean {
  if (end - i < 16 || b[i + 3] !== SPACE || b[i + 6] !== SPACE || b[i + 9] !== 58 || b[i + 12] !== 58 || b[i + 15] !== SPACE) return false;
  return MONTH_CODES.includes(packMonth(b[i]!, b[i + 1]!, b[i + 2]!));
}

/**
 * End of a TAG at `i` — letters, digits and `_-./` (at most 48), an optional
 * `[pid]`, then `: ` — or -1. Requiring the colon-space keeps a message that
 * has no tag (`81.6.12.34:5123 - - …`, `2001:db8::1 - - …`) whole.
 */
function tagEnd(b: Uint8Array, i: number, end: number): number {
  let k = i;
  while (k < end && k - i < 48) {
    const c = b[k]!;
    if ((c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 95 || c === 45 || c === 46 || c === 47) k++;
    else break;
  }
  if (k === i || k >= end) return -1;
  if (b[k] === 91 /* [ */) {
    k++;
    while (k < end && b[k]! >= ZERO && b[k]! <= NINE) k++;
    if (k >= end || b[k] !== 93 /* ] */) return -1;
    k++;
  }
  if (k + 1 < end && b[k] === 58 && b[k + 1] === SPACE) return k + 2;
  if (k + 1 === end && b[k] === 58) return end;
  return -1;
}

function rfc3164Message(b: Uint8Array, i: number, end: number): number {
  if (isBsdTimestamp(b, i, end)) i += 16;
  // TAG right away, or HOSTNAME then TAG; without a tag the rest is the message.
  const first = tagEnd(b, i, end);
  if (first >= 0) return first;
  const afterHost = skipToken(b, i, end);
  const second = afterHost < end ? tagEnd(b, afterHost, end) : -1;
  return second >= 0 ? second : i;
}
