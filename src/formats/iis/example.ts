/**
 * The example of the Microsoft page "W3C Logging" (HTTP Server API,
 * https://learn.microsoft.com/windows/win32/http/w3c-logging): its header
 * (the explanatory comments the page appends to two directives removed)
 * and its entry, and a second entry in the same layout. See
 * fixtures/iis/README.md.
 */
import { restamp } from '../engines/fields/restamp.js';
import { w3cDateTime } from '../w3c/example.js';

export const IIS_DOC_FILE: readonly string[] = [
  '#Software: Microsoft HTTP Server API 2.0',
  '#Version: 1.0',
  '#Date: 2002-05-02 17:42:15',
  '#Fields: date time c-ip cs-username s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status cs(User-Agent)',
  '2002-05-02 17:42:15 172.22.255.255 - 172.30.255.255 80 GET /images/picture.jpg - 200 Mozilla/4.0+(compatible;MSIE+5.5;+Windows+2000+Server)',
];

/** The `#Fields` of the documented example. */
export const IIS_EXAMPLE_LAYOUT = 'date time c-ip cs-username s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status cs(User-Agent)';

/** The documented entry, and one more in its layout (a user name, a query, IIS's + for spaces), moved to end `ms`. */
export const iisExampleLines = (ms: number): string[] =>
  restamp(
    [IIS_DOC_FILE[IIS_DOC_FILE.length - 1]!, '2002-05-02 17:42:16 192.0.2.44 EXAMPLE\\alice 172.30.255.255 80 GET /default.aspx id=42 200 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)'],
    ms,
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g,
    (m) => Date.parse(`${m.slice(0, 10)}T${m.slice(11)}Z`),
    w3cDateTime,
  );
