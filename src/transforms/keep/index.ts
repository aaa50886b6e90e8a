/**
 * `keep`: copies the value. For a field whose role fixes its shape (a time,
 * a status, a byte count, a port) a value of any other shape is dropped and
 * counted instead: a JSON `"status": "jo@example.com"` or a `$request_time`
 * holding a stray address must not pass as kept.
 */
import { shapeOf } from '../../event/vocabulary.js';
import { defineTransform, KEEP_OP } from '../transform.js';

export const keepTransform = defineTransform({
  name: 'keep',
  description: 'copies the value (checked against its role\'s shape when the role has one)',
  options: {},
  compile(_options, field) {
    const shape = shapeOf(field.role);
    return shape === undefined ? KEEP_OP : { kind: 'check', shape };
  },
  describe: (_o, field) => {
    const shape = shapeOf(field.role);
    return shape !== undefined ? `keep if ${shape.noun}, else drop` : 'keep';
  },
});
