/**
 * Parsers for the checker: gallra's output split into fields the way each
 * format defines them, independently of gallra's own parser.
 *
 * Text formats (nginx/Apache `combined`, `common`, `vhost_combined`,
 * https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format and
 * https://httpd.apache.org/docs/current/mod/mod_log_config.html): fields are
 * separated by the template's literals; a quoted field ends at a `"` not
 * escaped by a backslash. nginx escapes `"`, `\` and bytes outside
 * printable ASCII as `\xHH`; Apache escapes `"` and `\` with a backslash and
 * other bytes as `\xhh`. A quoted field is unescaped here (both styles); the
 * raw escaped text is kept beside it as a second reading.
 *
 * JSON lines: a small parser that keeps the source text of numbers
 * (`JSON.parse` turns a 19-digit ICCID into a rounded double, which would
 * hide it) and reports every key and every leaf with its dotted path.
 */

const Q = String.raw`"((?:[^"\\]|\\.)*)"`;
const APPENDED = String.raw`((?: (?:"(?:[^"\\]|\\.)*"|[^ "]+))*)`;
const TIME = String.raw`\[([^\]]*)\]`;

/**
 * @typedef {{ name: string, sources: string[] }} Field
 * @typedef {{ format: string, fields: Field[], bytes: string | undefined, times: number[] }} ParsedLine
 */

/** Text layouts, most specific first (as gallra's auto-detection tries them). */
const TEXT_LAYOUTS = [
  {
    format: 'vhost_combined',
    // The client address is never "-": without this a combined line whose IPv6 client ends in a decimal
    // group and whose user name has a space (`2a00::5357:658 - Anna Svensson [`) reads as host:port.
    // A port gallra dropped is written "-".
    re: new RegExp(String.raw`^(\S+):(\d+|-) ((?!-)\S+) (\S+) (\S+) ${TIME} ${Q} (\d{3}|-) (\d+|-) ${Q} ${Q}${APPENDED}$`),
    names: ['host', 'server_port', 'remote_addr', 'remote_logname', 'remote_user', 'time_local', 'request', 'status', 'bytes_sent', 'http_referer', 'http_user_agent'],
    quoted: new Set(['request', 'http_referer', 'http_user_agent']),
  },
  {
    format: 'combined',
    re: new RegExp(String.raw`^(\S+) (\S+) (\S+) ${TIME} ${Q} (\d{3}|-) (\d+|-) ${Q} ${Q}${APPENDED}$`),
    names: ['remote_addr', 'remote_logname', 'remote_user', 'time_local', 'request', 'status', 'body_bytes_sent', 'http_referer', 'http_user_agent'],
    quoted: new Set(['request', 'http_referer', 'http_user_agent']),
  },
  {
    format: 'common',
    re: new RegExp(String.raw`^(\S+) (\S+) (\S+) ${TIME} ${Q} (\d{3}|-) (\d+|-)$`),
    names: ['remote_addr', 'remote_logname', 'remote_user', 'time_local', 'request', 'status', 'body_bytes_sent'],
    quoted: new Set(['request']),
  },
];
/**
 * The same layouts with a remote_user that may hold spaces (Apache writes a
 * Basic-auth user name as it came): tried only when the strict ones fail.
 */
const LENIENT_LAYOUTS = TEXT_LAYOUTS.map((l) => {
  const src = l.re.source.replace(String.raw`(\S+) ${TIME}`, String.raw`(.+?) ${TIME}`);
  if (src === l.re.source) throw new Error('lenient layout not derived');
  return { ...l, re: new RegExp(src) };
});

/**
 * Unescapes a CLF field: `\"`, `\\` and `\xHH` (as bytes, then UTF-8).
 * @param {string} s
 * @returns {string}
 */
export function unescapeClf(s) {
  if (!s.includes('\\')) return s;
  const bytes = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      const n = s[i + 1];
      if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
        bytes.push(parseInt(s.slice(i + 2, i + 4), 16));
        i += 3;
        continue;
      }
      if (n === '"' || n === '\\') {
        bytes.push(n.charCodeAt(0));
        i += 1;
        continue;
      }
    }
    for (const b of enc.encode(c)) bytes.push(b);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
}

/**
 * The fields appended after a combined/vhost line (` "…" 0.012`).
 * @param {string} s the captured tail, starting with a space or empty
 * @returns {string[]} raw field texts, quotes removed
 */
function splitAppended(s) {
  const out = [];
  const re = / (?:"((?:[^"\\]|\\.)*)"|([^ "]+))/g;
  let m;
  while ((m = re.exec(s)) !== null) out.push(m[1] ?? m[2]);
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Epoch seconds of a CLF time (`12/Mar/2026:10:15:00 +0100`), or NaN.
 * @param {string} s
 */
export function clfSeconds(s) {
  const m = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s);
  if (m === null) return NaN;
  const mon = MONTHS.indexOf(m[2]);
  if (mon < 0) return NaN;
  const utc = Date.UTC(+m[3], mon, +m[1], +m[4], +m[5], +m[6]) / 1000;
  const off = (+m[8] * 60 + +m[9]) * 60;
  return m[7] === '+' ? utc - off : utc + off;
}

/**
 * Epoch seconds of any timestamp a JSON log may carry: ISO 8601, CLF (with
 * or without brackets), Unix time in s/ms/µs/ns as number or digit string.
 * @param {string} s source text (numbers as written)
 */
export function anySeconds(s) {
  let t = s.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (/^\d{2}\/[A-Z][a-z]{2}\//.test(t)) return clfSeconds(t);
  if (/^\d{9,19}(?:\.\d+)?$/.test(t)) {
    const n = Number(t);
    if (n >= 1e9 && n < 1e10) return Math.floor(n);
    if (n >= 1e12 && n < 1e13) return Math.floor(n / 1e3);
    if (n >= 1e15 && n < 1e16) return Math.floor(n / 1e6);
    if (n >= 1e18 && n < 1e19) return Math.floor(n / 1e9);
    return NaN;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(t);
  if (m === null) return NaN;
  let sec = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] === undefined ? 0 : +m[6]) / 1000;
  const z = m[7];
  if (z !== undefined && z.toUpperCase() !== 'Z') {
    const sign = z[0] === '+' ? 1 : -1;
    const zh = +z.slice(1, 3);
    const zm = z.length > 3 ? +z.slice(-2) : 0;
    sec -= sign * (zh * 60 + zm) * 60;
  }
  return sec;
}

/**
 * Splits one text line by a layout.
 * @param {string} line
 * @returns {ParsedLine | null}
 */
function parseText(line, layouts) {
  for (const l of layouts) {
    const m = l.re.exec(line);
    if (m === null) continue;
    /** @type {Field[]} */
    const fields = [];
    l.names.forEach((name, k) => {
      const raw = m[k + 1];
      fields.push({ name, sources: raw.includes('\\') ? [unescapeClf(raw), raw] : [raw] });
    });
    const appended = splitAppended(m[l.names.length + 1] ?? '');
    appended.forEach((raw, k) => {
      fields.push({ name: k === 0 ? 'http_x_forwarded_for' : `appended_${k}`, sources: raw.includes('\\') ? [unescapeClf(raw), raw] : [raw] });
    });
    const bytesField = fields.find((f) => f.name === 'body_bytes_sent' || f.name === 'bytes_sent');
    const timeField = fields.find((f) => f.name === 'time_local');
    const format = l.format === 'combined' && appended.length > 0 ? 'combined_xff' : l.format;
    return {
      format,
      fields,
      bytes: bytesField !== undefined && /^\d+$/.test(bytesField.sources[0]) ? bytesField.sources[0] : undefined,
      times: timeField === undefined ? [] : [clfSeconds(timeField.sources[0])].filter(Number.isFinite),
    };
  }
  return null;
}

/** Names that may carry the line marker (a kept byte count) in JSON output. */
const JSON_BYTES = ['bytes', 'body_bytes_sent', 'bytes_sent'];
/** Names that may carry the event time in JSON output. */
const JSON_TIMES = ['time', 'timestamp', '@timestamp', 'time_iso8601', 'time_local', 'ts', 'msec'];

/**
 * A JSON value with number source text kept.
 * @typedef {{ t: 'str', v: string, raw: string } | { t: 'num', v: string } | { t: 'lit', v: string }
 *   | { t: 'arr', v: JVal[] } | { t: 'obj', v: [string, string, JVal][] }} JVal
 */

/**
 * Parses JSON text, keeping number literals as text.
 * @param {string} s
 * @returns {JVal}
 */
export function parseJsonKeepNumbers(s) {
  let i = 0;
  const ws = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  };
  const fail = () => {
    throw new SyntaxError(`bad JSON at ${i}`);
  };
  /** @returns {{ v: string, raw: string }} */
  const str = () => {
    const start = i;
    if (s[i] !== '"') fail();
    i++;
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\') i++;
      i++;
    }
    if (i >= s.length) fail();
    i++;
    const raw = s.slice(start, i);
    return { v: JSON.parse(raw), raw: raw.slice(1, -1) };
  };
  /** @returns {JVal} */
  const val = () => {
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      /** @type {[string, string, JVal][]} */
      const members = [];
      ws();
      if (s[i] === '}') {
        i++;
        return { t: 'obj', v: members };
      }
      for (;;) {
        ws();
        const k = str();
        ws();
        if (s[i] !== ':') fail();
        i++;
        members.push([k.v, k.raw, val()]);
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === '}') {
          i++;
          return { t: 'obj', v: members };
        }
        fail();
      }
    }
    if (c === '[') {
      i++;
      /** @type {JVal[]} */
      const items = [];
      ws();
      if (s[i] === ']') {
        i++;
        return { t: 'arr', v: items };
      }
      for (;;) {
        items.push(val());
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ']') {
          i++;
          return { t: 'arr', v: items };
        }
        fail();
      }
    }
    if (c === '"') {
      const r = str();
      return { t: 'str', v: r.v, raw: r.raw };
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(s.slice(i, i + 400));
    if (m !== null && m[0].length > 0) {
      i += m[0].length;
      return { t: 'num', v: m[0] };
    }
    for (const lit of ['true', 'false', 'null']) {
      if (s.startsWith(lit, i)) {
        i += lit.length;
        return { t: 'lit', v: lit };
      }
    }
    return fail();
  };
  const v = val();
  ws();
  if (i !== s.length) fail();
  return v;
}

/**
 * Every key and leaf of a JSON line as a field with its dotted path.
 * @param {string} line
 * @returns {ParsedLine | null}
 */
function parseJsonLine(line) {
  let doc;
  try {
    doc = parseJsonKeepNumbers(line);
  } catch {
    return null;
  }
  if (doc.t !== 'obj') return null;
  /** @type {Field[]} */
  const fields = [];
  /** @type {Map<string, string>} */
  const top = new Map();
  /** @param {JVal} v @param {string} path */
  const walk = (v, path) => {
    switch (v.t) {
      case 'obj':
        for (const [k, raw, child] of v.v) {
          const p = path === '' ? k : `${path}.${k}`;
          fields.push({ name: `${p}#key`, sources: raw === k ? [k] : [k, raw] });
          walk(child, p);
        }
        break;
      case 'arr':
        v.v.forEach((child, k) => walk(child, `${path}[${k}]`));
        break;
      case 'str':
        fields.push({ name: path, sources: v.raw === v.v ? [v.v] : [v.v, v.raw] });
        break;
      default:
        fields.push({ name: path, sources: [v.v] });
    }
  };
  walk(doc, '');
  for (const [k, , child] of doc.v) if (child.t === 'str' || child.t === 'num') top.set(k, child.v);
  let bytes;
  for (const n of JSON_BYTES) {
    const b = top.get(n);
    if (b !== undefined && /^\d+$/.test(b)) {
      bytes = b;
      break;
    }
  }
  const times = [];
  for (const n of JSON_TIMES) {
    const t = top.get(n);
    if (t !== undefined) {
      const sec = anySeconds(t);
      if (Number.isFinite(sec)) times.push(sec);
    }
  }
  const hasRemoteAddr = top.has('remote_addr') || top.has('request') || top.has('time_iso8601');
  return { format: hasRemoteAddr ? 'nginx_json' : 'json', fields, bytes, times };
}

/**
 * Splits an output line into fields, trying JSON and then the text layouts
 * (strict, then with a remote_user holding spaces). A line nothing parses is
 * one field, `(unparsed)`, with its bytes and times found by pattern.
 *
 * @param {string} line without its newline
 * @returns {ParsedLine & { parsed: boolean }}
 * @example
 * parseOutputLine('81.6.12.0 - - [12/Mar/2026:10:15:00 +0100] "GET / HTTP/1.1" 200 1234 "-" "curl"').fields[4].name // 'request'
 */
export function parseOutputLine(line) {
  const body = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  const p = body.startsWith('{') ? parseJsonLine(body) : (parseText(body, TEXT_LAYOUTS) ?? parseText(body, LENIENT_LAYOUTS));
  if (p !== null) return { ...p, parsed: true };
  // Unparsed: the whole line is one field; candidate markers are every digit run.
  const times = [];
  const tm = /\[(\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\]/.exec(body);
  if (tm !== null) times.push(clfSeconds(tm[1]));
  return { format: 'unparsed', fields: [{ name: '(unparsed)', sources: [body, unescapeClf(body)] }], bytes: undefined, times, parsed: false };
}

/**
 * Every digit run of a line, for attributing a line no layout parses.
 * @param {string} line
 * @returns {string[]}
 */
export function digitRuns(line) {
  return line.match(/\d+/g) ?? [];
}
