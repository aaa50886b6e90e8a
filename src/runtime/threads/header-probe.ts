/**
 * Tells the main thread of `gallra anonymise --threads N` which lines are
 * header lines (W3C `#Fields` blocks, a CSV or flow-log header). Such a line
 * sets the layout of the lines after it, so those lines must be decoded by
 * the worker that saw it: the parallel runner pins the rest of that input to
 * one worker (a worker that never saw the header would drop every line as
 * unparsed).
 */
import type { PolicyConfig } from '../../policy/schema.js';
import { buildFormat, candidateNames } from '../build.js';
import type { Format } from '../../formats/format.js';
import { CR } from '../../util/ascii.js';

/** Answers whether a whole line (without its newline) is a header line of a format that may read this input. */
export type HeaderProbe = (line: Buffer) => boolean;

const BOM = 0xfeff;

/**
 * The probe for the formats `format` (or `auto`) may decode, or undefined
 * when none of them has header lines (the runner then checks nothing).
 *
 * @example
 * const probe = headerProbe(policy, 'w3c'); probe?.(Buffer.from('#Fields: date time c-ip')) // true
 */
export function headerProbe(policy: PolicyConfig, format: string): HeaderProbe | undefined {
  const headed: Format[] = candidateNames(policy, format)
    .map((name) => buildFormat(policy, name))
    .filter((f) => f.header !== undefined);
  if (headed.length === 0) return undefined;
  return (line) => {
    const first = line[0];
    // A line that starts with a digit (an IPv4 address, a date, an epoch) is no format's header: skip the string.
    if (first === undefined || (first >= 0x30 && first <= 0x39)) return false;
    const text = line.toString('utf8');
    const start = text.charCodeAt(0) === BOM ? 1 : 0;
    // As the line splitter gives it: without a `\r` before the newline.
    const end = text.charCodeAt(text.length - 1) === CR ? text.length - 1 : text.length;
    let any = false;
    // Every headed format sees the line, as the decoder does (CloudFront and W3C share `#Version`).
    for (const f of headed) if (f.header!(text, start, end) === true) any = true;
    return any;
  };
}
