/** `azure_frontdoor`: both tiers, numbers as strings, placeholders. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymiseWith, restampedFixture, restampText, fixtureText } from '../../helpers/cloud.js';
import { makeEnv, T0, type TestEnv } from '../../helpers/env.js';

let env: TestEnv;
beforeAll(() => {
  env = makeEnv();
});
afterAll(() => env.cleanup());

describe('azure_frontdoor', () => {
  it('reads Standard/Premium and classic records, keeps numbers as the strings they are, and pseudonymises the subscription', () => {
    const { out, stats } = anonymiseWith(env, 'azure_frontdoor', restampedFixture('azure_frontdoor', 'azure_frontdoor.log', T0));
    expect(stats.linesOut).toBe(2);
    for (const line of out) {
      const doc = JSON.parse(line) as { resourceId: string; properties: Record<string, unknown> };
      expect(doc.properties.requestBytes).toBe('2160');
      expect(doc.properties.httpStatusCode).toBe('403');
      expect(doc.properties.clientIp).toBe('1.1.1.0');
      expect(doc.properties.clientPort).toBeUndefined();
      expect(doc.properties.backendHostname).toBe('13.88.65.0');
      expect(doc.resourceId).not.toContain('SUBSCRIPTIONS');
    }
  });

  it('never passes an address field that holds no address (the documentation\'s xxx.xxx.xxx.xxx placeholders)', () => {
    // The placeholder records are cut by the page; completed with the closing braces they lack.
    const text = fixtureText('azure_frontdoor', 'azure_frontdoor-placeholders.log');
    expect(text.length).toBeGreaterThan(0);
    const line = restampText('azure_frontdoor', '{"time":"2020-06-09T22:32:17.8383427Z","category":"FrontdoorAccessLog","operationName":"Microsoft.Network/FrontDoor/AccessLog/Write","properties":{"clientIp":"xxx.xxx.xxx.xxx","socketIp":"xx.xx.xxx.xxx","httpStatusCode":"403"}}\n', T0);
    const { out } = anonymiseWith(env, 'azure_frontdoor', line);
    expect(out[0]).toContain('"clientIp":"-"');
    expect(out[0]).not.toContain('xxx');
  });

  it('does not read Azure CDN access logs (same operationName, another category) or Event Hubs batches', () => {
    const line = restampedFixture('azure_frontdoor', 'azure_frontdoor.log', T0).split('\n')[0]!;
    expect(anonymiseWith(env, 'azure_frontdoor', line.replace('"FrontDoorAccessLog"', '"AzureCdnAccessLog"')).stats.dropped.unparsed).toBe(1);
    expect(anonymiseWith(env, 'azure_frontdoor', `{"records":[${line}]}`).stats.dropped.unparsed).toBe(1);
  });
});
