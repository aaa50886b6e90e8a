import { describe, expect, it } from 'vitest';
import { components } from '../../src/components.js';
import { compileTemplate } from '../../src/formats/engines/template/template.js';
import { TIME_FIELDS } from '../../src/formats/engines/template/text-format.js';
import { MATCH, MATCH_APPENDED, NO_MATCH } from '../../src/formats/format.js';
import { BUILTIN_TEXT_FORMATS } from '../helpers/env.js';

describe('built-in formats', () => {
  it('tries every built-in format (the text layouts, json and the cloud formats) in auto mode, most specific first', () => {
    const order = components.autoFormats().map((f) => f.name);
    // iis is w3c's alias for headerless IIS lines: auto-detection reads IIS files as w3c.
    const cloud = ['alb', 'elb', 's3', 'cloudfront', 'vpcflow', 'gcp_lb', 'cloudflare', 'azure_frontdoor', 'w3c', 'haproxy', 'caddy', 'cdr'];
    expect([...order].sort()).toEqual([...Object.keys(BUILTIN_TEXT_FORMATS), 'json', ...cloud].sort());
    expect(order.indexOf('vhost_combined')).toBeLessThan(order.indexOf('combined'));
    expect(order.indexOf('combined')).toBeLessThan(order.indexOf('common'));
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

  it('orders decode outcomes so a non-match is falsy', () => {
    expect(NO_MATCH).toBeFalsy();
    expect(new Set([NO_MATCH, MATCH, MATCH_APPENDED]).size).toBe(3);
  });
});
