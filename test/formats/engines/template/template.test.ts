import { describe, expect, it } from 'vitest';
import { BUILTIN_TEXT_FORMATS } from '../../../helpers/env.js';
import { type CompiledTemplate, compileTemplate, parseAppended, TemplateError } from '../../../../src/formats/engines/template/template.js';

/** Parses `line` (as its own string) and returns each field by name, or undefined when it does not match. */
function fieldsOf(t: CompiledTemplate, line: string): Record<string, string> | undefined {
  const starts = new Int32Array(t.fields.length);
  const ends = new Int32Array(t.fields.length);
  const stop = t.parse(line, 0, line.length, starts, ends);
  if (stop < 0) return undefined;
  return Object.fromEntries(t.fields.map((f, i) => [f.name, line.slice(starts[i], ends[i])]));
}

function compileError(source: string): TemplateError {
  try {
    compileTemplate(source);
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error(`compiled: ${source}`);
}

const combined = compileTemplate(BUILTIN_TEXT_FORMATS.combined);
const common = compileTemplate(BUILTIN_TEXT_FORMATS.common);
const vhost = compileTemplate(BUILTIN_TEXT_FORMATS.vhost_combined);

describe('compileTemplate', () => {
  it('splits a log_format string into literals and fields, marking the ones between double quotes', () => {
    const t = compileTemplate('$remote_addr - $remote_user [$time_local] "$request" $status');
    expect(t.fields).toEqual([
      { name: 'remote_addr', quoted: false },
      { name: 'remote_user', quoted: false },
      { name: 'time_local', quoted: false },
      { name: 'request', quoted: true },
      { name: 'status', quoted: false },
    ]);
    expect(t.literals).toEqual(['', ' - ', ' [', '] "', '" ', '']);
    expect(t.source).toBe('$remote_addr - $remote_user [$time_local] "$request" $status');
  });

  it('accepts the ${name} form, which lets a variable touch a literal made of name characters', () => {
    const t = compileTemplate('${remote_addr}_x [$time_local]');
    expect(t.fields.map((f) => f.name)).toEqual(['remote_addr', 'time_local']);
    expect(t.literals[1]).toBe('_x [');
  });

  it('rejects two variables with nothing between them, naming both and where', () => {
    const e = compileError('$remote_addr$remote_user [$time_local]');
    expect(e.message).toContain('$remote_user follows $remote_addr');
    expect(e.message).toContain('put a space or other literal between');
    expect(e.at).toBe(12);
  });

  it('rejects a "$" that does not start a variable name', () => {
    expect(compileError('$remote_addr $ [$time_local]').message).toContain('must start a variable name');
    expect(compileError('$remote_addr $1x').message).toContain('must start a variable name');
  });

  it('rejects an unclosed ${', () => {
    expect(compileError('$remote_addr ${time_local').message).toContain('unclosed');
  });

  it('rejects a variable that appears twice', () => {
    expect(compileError('$status $status').message).toContain('$status appears twice');
  });

  it('rejects a template without variables', () => {
    expect(compileError('just text').message).toContain('no $variables');
  });

  it('compiles every built-in format', () => {
    expect(combined.fields.map((f) => f.name)).toEqual([
      'remote_addr',
      'remote_logname',
      'remote_user',
      'time_local',
      'request',
      'status',
      'body_bytes_sent',
      'http_referer',
      'http_user_agent',
    ]);
    expect(common.fields).toHaveLength(7);
    expect(vhost.fields.slice(0, 2).map((f) => f.name)).toEqual(['host', 'server_port']);
  });
});

describe('CompiledTemplate.parse', () => {
  const line = '81.6.12.34 - alice [22/Nov/2026:10:00:00 +0100] "GET /a?b=1 HTTP/1.1" 200 512 "https://example.com/" "Mozilla/5.0 (X11)"';

  it('finds every field of a combined line', () => {
    expect(fieldsOf(combined, line)).toEqual({
      remote_addr: '81.6.12.34',
      remote_logname: '-',
      remote_user: 'alice',
      time_local: '22/Nov/2026:10:00:00 +0100',
      request: 'GET /a?b=1 HTTP/1.1',
      status: '200',
      body_bytes_sent: '512',
      http_referer: 'https://example.com/',
      http_user_agent: 'Mozilla/5.0 (X11)',
    });
  });

  it('reads only its range of a longer string (lines are ranges of a chunk)', () => {
    const chunk = `junk\n${line}\nmore`;
    const starts = new Int32Array(9);
    const ends = new Int32Array(9);
    const start = 5;
    const end = start + line.length;
    expect(combined.parse(chunk, start, end, starts, ends)).toBe(end);
    expect(chunk.slice(starts[0], ends[0])).toBe('81.6.12.34');
    expect(chunk.slice(starts[8], ends[8])).toBe('Mozilla/5.0 (X11)');
  });

  it('does not find a terminator beyond the end of its range', () => {
    // The common part of a line, with the rest of a combined line after `end`.
    const starts = new Int32Array(9);
    const ends = new Int32Array(9);
    const cut = line.indexOf(' "https');
    expect(combined.parse(line, 0, cut, starts, ends)).toBe(-1);
  });

  it('takes an Apache \\" inside a quoted field as part of the value', () => {
    const l = '1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET /q=\\" \\"x HTTP/1.1" 200 5 "-" "ua \\"quoted\\" \\\\"';
    expect(fieldsOf(combined, l)).toMatchObject({ request: 'GET /q=\\" \\"x HTTP/1.1', http_user_agent: 'ua \\"quoted\\" \\\\' });
  });

  it('takes an nginx \\x22 inside a quoted field as part of the value', () => {
    const l = '1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET /\\x22 HTTP/1.1" 200 5 "-" "a\\x22b\\x22 c"';
    expect(fieldsOf(combined, l)).toMatchObject({ request: 'GET /\\x22 HTTP/1.1', http_user_agent: 'a\\x22b\\x22 c' });
  });

  it('ends a quoted field at a quote preceded by an even number of backslashes', () => {
    const l = '1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET /\\\\" 200 5';
    expect(fieldsOf(common, l)).toMatchObject({ request: 'GET /\\\\', status: '200' });
  });

  it('returns the start of appended fields when the line goes on after the template', () => {
    const l = `${line} "10.0.0.1" 0.012`;
    const starts = new Int32Array(9);
    const ends = new Int32Array(9);
    expect(combined.parse(l, 0, l.length, starts, ends)).toBe(line.length);
  });

  it('does not end the last quoted field at a quote that is not followed by a space or the end', () => {
    // The UA ends at the last quote; the one inside is followed by "x".
    const l = '1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "a"x"';
    expect(fieldsOf(combined, l)?.http_user_agent).toBe('a"x');
  });

  it('rejects a status that is not three digits from 100 to 999', () => {
    for (const status of ['20', '2000', '099', 'abc', '-']) {
      expect(fieldsOf(common, `1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" ${status} 5`), status).toBeUndefined();
    }
    expect(fieldsOf(common, '1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 999 5')).toBeDefined();
  });

  it('accepts "-" or digits as a byte count, nothing else', () => {
    expect(fieldsOf(common, '1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 304 -')?.body_bytes_sent).toBe('-');
    expect(fieldsOf(common, '1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 12x')).toBeUndefined();
  });

  it('accepts IPv4, IPv6, bracketed and zoned addresses and host names as remote_addr', () => {
    for (const addr of ['81.6.12.34', '2001:db8::1', '::1', '[2001:db8::1]:443', 'fe80::1%eth0', 'crawler.example.com', '-']) {
      expect(fieldsOf(common, `${addr} - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5`)?.remote_addr, addr).toBe(addr);
    }
  });

  it('rejects a host name with a port as remote_addr (that is vhost_combined\'s %v:%p)', () => {
    expect(fieldsOf(common, 'www.example.org:443 1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5')).toBeUndefined();
  });

  it('rejects a space inside an unquoted remote_user or remote_logname (a vhost_combined line is not combined with "- bob" as user)', () => {
    expect(fieldsOf(combined, '10.0.0.1:80 2001:db8::1 - bob [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua"')).toBeUndefined();
    expect(fieldsOf(combined, 'cafe.de:443 81.6.12.34 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua"')).toBeUndefined();
    expect(fieldsOf(vhost, 'cafe.de:443 81.6.12.34 - bob [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua"')).toMatchObject({
      host: 'cafe.de',
      server_port: '443',
      remote_addr: '81.6.12.34',
      remote_user: 'bob',
    });
  });

  it('allows spaces in remote_user when a custom layout quotes it', () => {
    const t = compileTemplate('$remote_addr "$remote_user" [$time_local]');
    expect(fieldsOf(t, '1.2.3.4 "John Smith" [22/Nov/2026:10:00:00 +0000]')?.remote_user).toBe('John Smith');
  });

  it('requires digits for server_port', () => {
    expect(fieldsOf(vhost, 'example.org:https 1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua"')).toBeUndefined();
  });

  it('runs a last unquoted field to the next space (appended fields) or the end', () => {
    const t = compileTemplate('$remote_addr [$time_iso8601] "$request" $status $msec');
    const l = '1.2.3.4 [2026-11-22T10:00:00+00:00] "GET / HTTP/1.1" 200 1795341600.123';
    expect(fieldsOf(t, l)).toMatchObject({ msec: '1795341600.123', status: '200' });
    const starts = new Int32Array(5);
    const ends = new Int32Array(5);
    expect(t.parse(`${l} extra`, 0, l.length + 6, starts, ends)).toBe(l.length);
  });

  it('does not let an unquoted field start with a quote: that is a quoted field of another layout', () => {
    const t = compileTemplate('$remote_addr [$time_iso8601] "$request" $status $msec');
    expect(fieldsOf(t, '1.2.3.4 [2026-11-22T10:00:00Z] "GET / HTTP/1.1" 200 "81.6.12.34" 1.5')).toBeUndefined();
    const rt = compileTemplate('$status $request_time "$upstream_addr"');
    expect(fieldsOf(rt, '200 "10.0.0.1" 0.5 "u"')).toBeUndefined();
    expect(fieldsOf(rt, '200 0.5 "u"')).toEqual({ status: '200', request_time: '0.5', upstream_addr: 'u' });
  });

  it('rejects a line that does not start with the first literal', () => {
    const t = compileTemplate('[$time_local] $remote_addr');
    expect(fieldsOf(t, '[22/Nov/2026:10:00:00 +0000] 1.2.3.4')).toMatchObject({ remote_addr: '1.2.3.4' });
    expect(fieldsOf(t, '22/Nov/2026:10:00:00 +0000] 1.2.3.4')).toBeUndefined();
  });
});

describe('parseAppended', () => {
  const starts = new Int32Array(8);
  const ends = new Int32Array(8);
  const quoted = new Uint8Array(8);
  const slices = (s: string, n: number): string[] => Array.from({ length: n }, (_, k) => s.slice(starts[k], ends[k]));

  it('reads quoted and unquoted fields after a space each, recording which were quoted', () => {
    const s = ' "10.0.0.1, 192.168.1.2" 0.012 "-"';
    const n = parseAppended(s, 0, s.length, starts, ends, quoted, 0, 8);
    expect(n).toBe(3);
    expect(slices(s, 3)).toEqual(['10.0.0.1, 192.168.1.2', '0.012', '-']);
    expect([...quoted.subarray(0, 3)]).toEqual([1, 0, 1]);
  });

  it('keeps escaped quotes inside a quoted appended field', () => {
    const s = ' "a\\" b" c';
    expect(parseAppended(s, 0, s.length, starts, ends, quoted, 0, 8)).toBe(2);
    expect(slices(s, 2)).toEqual(['a\\" b', 'c']);
  });

  it('fails on an unclosed quote, a missing space or too many fields', () => {
    expect(parseAppended(' "open', 0, 6, starts, ends, quoted, 0, 8)).toBe(-1);
    expect(parseAppended('x', 0, 1, starts, ends, quoted, 0, 8)).toBe(-1);
    expect(parseAppended(' "a"b', 0, 5, starts, ends, quoted, 0, 8)).toBe(-1);
    expect(parseAppended(' a b c', 0, 6, starts, ends, quoted, 0, 2)).toBe(-1);
  });

  it('counts nothing for a trailing space', () => {
    expect(parseAppended(' ', 0, 1, starts, ends, quoted, 0, 8)).toBe(0);
  });

  it('stops at its end even when the string goes on', () => {
    const s = ' a b\nnext line';
    expect(parseAppended(s, 0, 4, starts, ends, quoted, 0, 8)).toBe(2);
    expect(slices(s, 2)).toEqual(['a', 'b']);
  });
});
