/**
 * What a record source's keys and headers go through: the policy's own
 * transforms (the same compiled operations as for fields), applied with the
 * record's time so a pseudonym falls under the salt of its epoch.
 */
import { Event, FieldLayout } from '../event/event.js';
import { components } from '../components.js';
import type { Registry } from '../registry.js';
import type { RecordFieldOp, RecordFields } from '../sources/source.js';
import { type BuiltPipeline, compileFieldOp } from './build.js';

/**
 * @example
 * const fields = recordFieldsFor(built);
 * await fields.prepare(Date.now()); fields.compile('pseudonymise', 'kafka_key')('alice', Date.now())
 */
export function recordFieldsFor(built: BuiltPipeline, registry: Registry = components): RecordFields {
  // Transforms of kind `record` read the event's time (the epoch of a pseudonym); nothing else of it.
  const scratch = new Event(new FieldLayout([], []));
  return {
    compile(transform: string, name: string): RecordFieldOp {
      const op = compileFieldOp({ transform }, name, undefined, built.context, registry);
      switch (op.kind) {
        case 'keep':
        case 'check':
          return (v) => v;
        case 'drop':
          return () => undefined;
        case 'pure':
          return (v) => op.fn(v);
        case 'record':
          return (v, timeMs) => {
            scratch.time = timeMs;
            return op.fn(v, scratch);
          };
      }
    },
    prepare: () => built.pipeline.prepare(),
  };
}
