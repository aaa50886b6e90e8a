// Locating the fields of a combined line and reading its time: the compiled
// template over the chunk string, with the remembering CLF parser, against a
// regex with named groups and a full Date parse.
import { compileTemplate } from '../../dist/formats/engines/template/template.js';
import { COMBINED } from '../../dist/formats/combined/index.js';
import { COMMON } from '../../dist/formats/common/index.js';
import { VHOST_COMBINED } from '../../dist/formats/vhost_combined/index.js';

const BUILTIN_TEXT_FORMATS = { common: COMMON, combined: COMBINED, vhost_combined: VHOST_COMBINED };
import { createClfTimeParser, parseClfTime } from '../../dist/time/parse-timestamp.js';
import { runSuite } from './suite.mjs';

const lines = [];
for (let k = 0; k < 256; k++) {
  const s = String(k % 60).padStart(2, '0');
  lines.push(`81.6.${k}.34 - - [22/Nov/2026:10:${String(Math.floor(k / 60)).padStart(2, '0')}:${s} +0000] "GET /api/v1/users/${k * 31} HTTP/1.1" 200 ${k * 7} "https://www.example.se/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"`);
}
const chunk = lines.join('\n');
const ranges = [];
for (let p = 0, k = 0; k < lines.length; k++) {
  ranges.push([p, p + lines[k].length]);
  p += lines[k].length + 1;
}
const t = compileTemplate(BUILTIN_TEXT_FORMATS.combined);
const starts = new Int32Array(9);
const ends = new Int32Array(9);
const clf = createClfTimeParser();
const RE = /^(?<addr>\S+) (?<ident>\S+) (?<user>.+?) \[(?<time>[^\]]+)\] "(?<request>(?:[^"\\]|\\.)*)" (?<status>\d{3}) (?<bytes>\d+|-) "(?<referer>(?:[^"\\]|\\.)*)" "(?<ua>(?:[^"\\]|\\.)*)"$/;
let i = 0;
const template = (k) => {
  const [s, e] = ranges[k];
  t.parse(chunk, s, e, starts, ends);
  return [chunk.slice(starts[0], ends[0]), clf(chunk, starts[3], ends[3]), chunk.slice(starts[8], ends[8])];
};
const regex = (k) => {
  const m = RE.exec(chunk.slice(ranges[k][0], ranges[k][1]));
  return [m.groups.addr, parseClfTime(m.groups.time), m.groups.ua];
};
runSuite('combined line: find fields and read the time', [
  { name: 'compiled template + remembering CLF parser (ships)', fn: () => template(i++ & 255), check: () => lines.map((_, k) => template(k)), ships: true },
  { name: 'regex with named groups + full CLF parse', fn: () => regex(i++ & 255), check: () => lines.map((_, k) => regex(k)) },
]);
