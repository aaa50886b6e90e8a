/** Space-separated fields with quotes and brackets. */
import { describe, expect, it } from 'vitest';
import { TOKEN_BRACKET, TOKEN_QUOTED, Tokens } from '../../../../src/formats/engines/columns/tokens.js';

describe('Tokens', () => {
  it('reads quoted fields (with escaped quotes), bracketed ones with a space, and a trailing empty field', () => {
    const t = new Tokens();
    const line = 'a "GET /x?q=\\"y\\" HTTP/1.1" [06/Feb/2019:00:00:38 +0000] "- - - " b ';
    expect(t.split(line, 0, line.length, false)).toBe(6);
    expect(t.kinds[1]).toBe(TOKEN_QUOTED);
    expect(line.slice(t.starts[1], t.ends[1])).toBe('GET /x?q=\\"y\\" HTTP/1.1');
    expect(t.kinds[2]).toBe(TOKEN_BRACKET);
    expect(line.slice(t.starts[2], t.ends[2])).toBe('06/Feb/2019:00:00:38 +0000');
    expect(line.slice(t.starts[3], t.ends[3])).toBe('- - - ');
    expect(t.ends[5]! - t.starts[5]!).toBe(0);
  });

  it('refuses an unclosed quote; with runs, reads runs of spaces as one separator', () => {
    const t = new Tokens();
    expect(t.split('a "b c', 0, 6, false)).toBe(-1);
    expect(t.split('a  b   c', 0, 8, true)).toBe(3);
  });
});
