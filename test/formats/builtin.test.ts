import { describe, expect, it } from 'vitest';
import { AUTO_ORDER, BUILTIN_TEXT_FORMATS } from '../../src/formats/builtin.js';
import { MATCH, MATCH_APPENDED, NO_MATCH } from '../../src/formats/format.js';
import { compileTemplate } from '../../src/formats/template.js';
import { TIME_FIELDS } from '../../src/formats/text.js';

describe('built-in formats', () => {
  it('tries every built-in format (the text layouts and json) in auto mode, most specific first', () => {
    expect([...AUTO_ORDER].sort()).toEqual([...Object.keys(BUILTIN_TEXT_FORMATS), 'json'].sort());
    expect(AUTO_ORDER.indexOf('vhost_combined')).toBeLessThan(AUTO_ORDER.indexOf('combined'));
    expect(AUTO_ORDER.indexOf('combined')).toBeLessThan(AUTO_ORDER.indexOf('common'));
  });

  it('gives every text format a time field, so the retention window applies', () => {
    for (const [name, source] of Object.entries(BUILTIN_TEXT_FORMATS)) {
      expect(compileTemplate(source).fields.some((f) => (TIME_FIELDS as readonly string[]).includes(f.name)), name).toBe(true);
    }
  });

  it('makes combined common plus referer and user agent, and vhost_combined combined after %v:%p', () => {
    expect(BUILTIN_TEXT_FORMATS.combined.startsWith(BUILTIN_TEXT_FORMATS.common)).toBe(true);
    expect(BUILTIN_TEXT_FORMATS.vhost_combined).toBe(`$host:$server_port ${BUILTIN_TEXT_FORMATS.combined.replace('$body_bytes_sent', '$bytes_sent')}`);
  });

  it('orders parse outcomes so a non-match is falsy', () => {
    expect(NO_MATCH).toBeFalsy();
    expect(new Set([NO_MATCH, MATCH, MATCH_APPENDED]).size).toBe(3);
  });
});
