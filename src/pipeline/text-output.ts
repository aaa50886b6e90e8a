/**
 * The encoder at the fan-out when only the text is wanted (`gallra
 * anonymise` to a file or stdout, and its worker threads): each event in its
 * format's own line form, one line each. Unlike the batch the sinks take, it
 * keeps no per-event ends, times or handles, so a line leaves no garbage
 * behind but its text.
 */
import type { Event } from '../event/event.js';
import type { Format } from '../formats/format.js';
import type { EventConsumer } from './line-pipeline.js';

/**
 * @example
 * const out = new TextOutput(); pipeline.consumers.push(out);
 * … if (out.length >= 32768) write(out.take());
 */
export class TextOutput implements EventConsumer {
  private text = '';

  consume(ev: Event, format: Format): void {
    this.text += format.encode(ev) + '\n';
  }

  /** Characters collected since the last take (a rope's length: no flattening). */
  get length(): number {
    return this.text.length;
  }

  /** The lines collected since the last take. */
  take(): string {
    const text = this.text;
    this.text = '';
    return text;
  }
}
