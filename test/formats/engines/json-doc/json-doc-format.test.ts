/** The JSON document engine: the input written back with unnamed members left out and changed values replaced. */
import { describe, expect, it } from 'vitest';
import { DROPPED, UNCHANGED } from '../../../../src/event/event.js';
import { JsonDocFormat, type JsonDocSpec } from '../../../../src/formats/engines/json-doc/json-doc-format.js';
import { formatContext } from '../../../helpers/env.js';

const SPEC: JsonDocSpec = {
  names: ['t', 'ip', 'req.ua', 'req.n'],
  roles: { t: 'time', ip: 'client_ip', 'req.ua': 'user_agent' },
  markers: ['"t"'],
  accept: () => true,
  time: ['t'],
  timeText: () => () => NaN,
  timeNumber: (n) => n * 1000,
};

function format(): JsonDocFormat {
  return new JsonDocFormat(SPEC, formatContext('doc', { t: { transform: 'keep' }, ip: { transform: 'truncate-ip' }, 'req.ua': { transform: 'keep' } }));
}

describe('JsonDocFormat', () => {
  it('writes a document whose fields are all kept unchanged back byte for byte, spacing included', () => {
    const f = format();
    const line = '{"t": 1931255940, "ip":"81.6.12.34", "req": {"ua": "x", "n": 1}}';
    f.decode(line, 0, line.length);
    f.event.out.fill(UNCHANGED);
    expect(f.encode(f.event)).toBe(line);
  });

  it('leaves out members no field names, and objects left empty, and replaces changed values as JSON', () => {
    const f = format();
    const line = '{"t":1931255940,"ip":"81.6.12.34","other":{"x":1},"req":{"ua":"a \\"b\\"","n":2}}';
    f.decode(line, 0, line.length);
    const names = f.event.layout.names;
    f.event.out.fill(UNCHANGED);
    f.event.out[names.indexOf('ip')] = '81.6.12.0';
    f.event.out[names.indexOf('req.n')] = DROPPED;
    expect(f.encode(f.event)).toBe('{"t":1931255940,"ip":"81.6.12.0","req":{"ua":"a \\"b\\""}}');
    f.event.out[names.indexOf('req.ua')] = DROPPED;
    expect(f.encode(f.event)).toBe('{"t":1931255940,"ip":"81.6.12.0"}');
    expect(f.event.time).toBe(1931255940000);
  });

  it('reads a repeated key once (the first) and leaves the repeat out', () => {
    const f = format();
    const line = '{"t":1931255940,"ip":"81.6.12.34","ip":"10.0.0.1"}';
    f.decode(line, 0, line.length);
    f.event.out.fill(UNCHANGED);
    expect(f.encode(f.event)).toBe('{"t":1931255940,"ip":"81.6.12.34"}');
  });
});
