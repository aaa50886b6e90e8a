/** `drop`: removes the field (`-` in text formats, so the line keeps its shape; left out of JSON). */
import { defineTransform, DROP_OP } from '../transform.js';

export const dropTransform = defineTransform({
  name: 'drop',
  description: 'removes the value (text formats write "-")',
  options: {},
  compile: () => DROP_OP,
});
