/** One log line of each format with planted values (buildLine); helpers in lines-util.mjs. */
import { BROWSER_SAFE, FORMATS, MONTHS, NEST_PARAMS, SLOTS_BY_FORMAT, Url, VALUE_ENCODINGS, bind, browserEncode, cat, clfEscape, clfTime, encodeName, encodeValue, isoTime, jsonString } from './lines-util.mjs';
import { ASSET_PATHS, BENIGN_PARAMS, CLIENT_V4_PREFIXES, EXTERNAL, METHODS, ROUTES, SITES, STATUSES, USER_AGENTS } from './data.mjs';
import { CONTROLS, FAMILIES, makeV6, P0, P1, v6Text } from './families.mjs';
/** @param {Rng} rng */
function clientV4(rng) {
  const [a, b] = rng.pick(CLIENT_V4_PREFIXES).split('.').map(Number);
  return [a, b, rng.int(0, 255), rng.int(1, 254)];
}

/**
 * Builds one line.
 *
 * @param {Rng} rng this line's generator
 * @param {{ id: number, format: string, timeSec: number, bytes: number, bom: boolean }} o
 * @example
 * const spec = buildLine(new Rng('1:0'), { id: 0, format: 'combined', timeSec: 1773482400, bytes: 1000, bom: false });
 * spec.render('raw')
 */
export function buildLine(rng, o) {
  const { format, timeSec } = o;
  const isText = format === 'combined' || format === 'combined_xff' || format === 'common' || format === 'vhost_combined';
  const isJsonApp = format === 'json' || format === 'json_nested';
  /** @type {Plant[]} */
  const plants = [];
  /** @type {ControlRec[]} */
  const controls = [];
  const available = new Set(SLOTS_BY_FORMAT[format]);

  // ---- the line's skeleton
  const method = rng.weighted(METHODS);
  const status = rng.weighted(STATUSES);
  const site = rng.pick(SITES);
  const ua = rng.pick(USER_AGENTS);
  const proto = rng.weighted([[6, 'HTTP/1.1'], [3, 'HTTP/2.0'], [1, 'HTTP/1.0']]);
  const escStyle = rng.weighted([[6, 'nginx'], [3, 'apache'], [1, 'raw']]);
  const jsonStyle = rng.weighted([[7, 'js'], [2, 'ascii'], [1, 'php']]);
  const offMin = rng.pick([0, 0, 60, 120, -240, 330]);
  const request = new Url('');
  let referer = /** @type {Url | null} */ (null);
  const refererLiteral = rng.weighted([[5, '-'], [3, `https://${site}/`], [2, 'https://www.google.com/']]);
  /** @type {Tpl | null} */
  let refererTpl = null;
  /** @type {Tpl | null} */
  let userTpl = null;
  /** @type {Tpl | null} */
  let xffTpl = null;
  /** @type {Tpl | null} */
  let uaTpl = null;
  /** @type {Tpl[]} */
  const texts = [];
  /** @type {[string, Tpl, 'number' | 'string' | 'array'][]} */
  const jsonExtra = [];
  /** @type {Tpl | null} */
  let portTpl = null;
  let userSpace = false;

  // Client address: itself a plant (address fields must be truncated).
  {
    const v6 = rng.chance(0.2);
    const idx = plants.length;
    if (v6) {
      const g = makeV6(rng);
      plants.push(plantRec('client-ip', 'v6', [v6Text(g, true)], [{ kind: 'ipv6', groups: g }], {}));
    } else {
      const o4 = clientV4(rng);
      plants.push(plantRec('client-ip', 'v4', [o4.join('.')], [{ kind: 'ipv4', octets: /** @type {any} */ (o4) }], {}));
    }
    plants[idx].where = { field: isText || format === 'nginx_json' ? 'remote_addr' : format === 'json_nested' ? 'client.ip' : 'client_ip', slot: 'address' };
  }
  const clientTpl = bind(P0, 0);

  /**
   * @param {string} family @param {string} variant @param {string[]} parts
   * @param {import('./normalise.mjs').Core[]} cores @param {Record<string, any>} where @param {boolean} [numeric]
   * @returns {Plant}
   */
  function plantRec(family, variant, parts, cores, where, numeric = false) {
    return { family, variant, parts, text: parts.join(' '), cores, where, placeholder: numeric ? '0' : 'REDACTED' };
  }

  /** A URL inside a query value, `depth` levels down; returns the pair for the outer URL. */
  function nest(inner, depth) {
    let cur = inner;
    for (let k = 1; k < depth; k++) {
      const host = rng.pick(EXTERNAL);
      const name = rng.pick(NEST_PARAMS);
      const prev = cur;
      cur = (r) => `https://${host}/login?${name}=${encodeURIComponent(prev(r))}`;
    }
    const name = rng.pick(NEST_PARAMS);
    const raw = depth === 1 && rng.chance(0.25);
    const last = cur;
    return { name, tpl: raw ? last : (r) => encodeURIComponent(last(r)), enc: raw ? 'raw-outer' : 'component' };
  }

  /** Which URL a query or path value goes into, and its field name. */
  function urlTarget() {
    const opts = [[6, 'request']];
    // Not once a whole URL was planted as the referer.
    if (format !== 'common' && format !== 'json_nested' && refererTpl === null) opts.push([3, 'referer']);
    opts.push([3, 'nested']);
    return rng.weighted(opts);
  }

  const requestField = isText || format === 'nginx_json' ? 'request' : format === 'json_nested' ? 'url.full' : rng.pick(['url', 'path', 'uri', 'request_uri']);
  const refererField = isText || format === 'nginx_json' ? 'http_referer' : format === 'json_nested' ? 'http.request.referrer' : 'referer';
  const refererOrigin = `https://${rng.pick([site, site, 'www.google.com', 'l.facebook.com', 'mail.example.com'])}`;

  /**
   * Puts query pairs or a path with plant `idx` somewhere a URL carries them.
   * @param {number} idx
   * @param {{ pairs?: [string, string][], path?: string }} frag
   * @param {Record<string, any>} where filled in
   */
  function placeInUrl(idx, frag, where) {
    const target = urlTarget();
    const drawn = rng.weighted(VALUE_ENCODINGS);
    // A family may ask for the value as the client sent it (non-ASCII raw: nginx then writes \xHH).
    const enc = frag.enc ?? drawn;
    const pathEnc = rng.weighted([[7, 'path'], [2, 'raw'], [1, 'component']]);
    const innerUrl = new Url(`https://${rng.pick(EXTERNAL)}`);
    /** @param {Url} u */
    const fill = (u) => {
      if (frag.pairs !== undefined) {
        for (const [n, v] of frag.pairs) u.pairs.push([encodeName(n), wrapEnc(bind(v, idx), enc)]);
        where.param = frag.pairs.map((p) => p[0]).join('&');
        where.enc = enc;
      } else if (frag.path !== undefined) {
        u.path = bind(frag.path, idx, (s) => encodeValue(pathEnc, s));
        where.enc = pathEnc;
      }
    };
    /** @param {Tpl} t @param {string} e @returns {Tpl} */
    function wrapEnc(t, e) {
      return (r) => encodeValue(e, t(r));
    }
    if (target === 'request' && !(frag.path !== undefined && request.path !== null)) {
      fill(request);
      where.field = requestField;
      where.part = frag.path !== undefined ? 'path' : 'query';
      return;
    }
    if (target === 'referer' && !(frag.path !== undefined && referer?.path)) {
      referer ??= new Url(refererOrigin);
      fill(referer);
      where.field = refererField;
      where.part = frag.path !== undefined ? 'path' : 'query';
      return;
    }
    const depth = rng.weighted([[6, 1], [3, 2], [1, 3]]);
    fill(innerUrl);
    const n = nest(innerUrl.tpl('/'), depth);
    const outer = rng.chance(0.7) || format === 'common' || format === 'json_nested' || refererTpl !== null ? request : (referer ??= new Url(refererOrigin));
    outer.pairs.push([n.name, n.tpl]);
    where.field = outer === request ? requestField : refererField;
    where.part = `nested:${frag.path !== undefined ? 'path' : 'query'}`;
    where.depth = depth;
    where.outer = n.enc;
  }

  // ---- planted values
  const count = rng.weighted([[1, 0], [4, 1], [4, 2], [2, 3], [1, 4]]);
  for (let k = 0; k < count; k++) {
    const fams = Object.entries(FAMILIES).filter(([, f]) => Object.keys(f.slots).some((s) => available.has(s)));
    const [famName, fam] = rng.weighted(fams.map(([n, f]) => [f.weight, [n, f]]));
    const slots = Object.entries(fam.slots).filter(([s]) => available.has(s));
    const slot = rng.weighted(slots.map(([s, w]) => [w, s]));
    const g = fam.gen(rng, slot);
    const idx = plants.length;
    const frag = g.frag;
    // The slot the value ended up in (a family may fall back to another: a MAC has no JSON-number form).
    const where = {
      slot: frag.pairs ? 'query' : frag.path ? 'path' : frag.url ? 'url' : frag.text ? 'text' : frag.user ? 'user' : frag.xff ? 'xff' : frag.ua ? 'ua' : frag.num ? 'number' : 'kept',
    };
    const p = plantRec(famName, g.variant, g.parts, g.cores, where, g.numeric === true);
    if (g.detail !== undefined) p.detail = g.detail;
    plants.push(p);
    if (frag.pairs !== undefined || frag.path !== undefined) {
      placeInUrl(idx, frag, where);
    } else if (frag.url !== undefined) {
      const t = bind(frag.url, idx);
      const httpish = /^https?:\/\//.test(frag.url);
      const choice = rng.weighted([
        [httpish && format !== 'common' && refererTpl === null && referer === null ? 4 : 0, 'referer'],
        [4, 'query'],
        [isJsonApp ? 3 : 0, 'text'],
      ]);
      if (choice === 'referer') {
        refererTpl = t;
        Object.assign(where, { field: refererField, part: 'url' });
      } else if (choice === 'text') {
        texts.push(cat(rng.pick(['fetching ', 'connecting to ', 'sync from ', 'upload failed: ']), t));
        Object.assign(where, { field: format === 'json_nested' ? 'message' : 'msg', part: 'text' });
      } else {
        const depth = rng.weighted([[7, 1], [2, 2], [1, 3]]);
        const name = rng.pick(['url', 'next', 'proxy', 'dsn', 'source', 'feed', 'redirect_uri', 'callback']);
        const raw = depth === 1 && rng.chance(0.4);
        let cur = t;
        for (let d = 1; d < depth; d++) {
          const prev = cur;
          const host = rng.pick(EXTERNAL);
          cur = (r) => `https://${host}/go?to=${encodeURIComponent(prev(r))}`;
        }
        const inner = cur;
        request.pairs.push([name, raw ? inner : (r) => encodeURIComponent(inner(r))]);
        Object.assign(where, { field: requestField, part: 'query-url', param: name, depth, outer: raw ? 'raw-outer' : 'component' });
      }
    } else if (frag.text !== undefined) {
      texts.push(bind(frag.text, idx));
      Object.assign(where, { field: format === 'json_nested' ? 'message' : 'msg', part: 'text' });
    } else if (frag.user !== undefined) {
      if (userTpl !== null) {
        plants.pop();
        continue;
      }
      userTpl = bind(frag.user, idx);
      if (isText && /\s/.test(p.parts[0])) userSpace = true;
      // Not user_id when a planted number already took that name.
      const jsonUser = jsonExtra.some(([k]) => k === 'user_id') ? 'userId' : rng.pick(['user_id', 'userId']);
      Object.assign(where, { field: isText || format === 'nginx_json' ? 'remote_user' : format === 'json_nested' ? 'user.name' : jsonUser });
    } else if (frag.xff !== undefined) {
      if (xffTpl !== null) {
        plants.pop();
        continue;
      }
      xffTpl = bind(frag.xff, idx);
      Object.assign(where, { field: isText || format === 'nginx_json' ? 'http_x_forwarded_for' : 'x_forwarded_for' });
    } else if (frag.ua !== undefined) {
      if (uaTpl !== null) {
        plants.pop();
        continue;
      }
      uaTpl = bind(frag.ua, idx);
      Object.assign(where, { field: isText || format === 'nginx_json' ? 'http_user_agent' : format === 'json_nested' ? 'user_agent.original' : 'user_agent' });
    } else if (frag.num !== undefined) {
      let key = frag.key;
      // A number where the line already writes its own value of that name would replace it.
      if (key === 'user_id' && userTpl !== null) key = 'account_id';
      if (format === 'json_nested' && !key.includes('.')) key = `labels.${key}`;
      if (jsonExtra.some(([k]) => k === key)) key = `${key}_2`;
      jsonExtra.push([key, bind(frag.num, idx), 'number']);
      Object.assign(where, { field: key });
    } else if (frag.kind !== undefined) {
      // A kept field holding the value (adversarial: "kept fields fail open").
      where.kept = true;
      if (format === 'vhost_combined') {
        // The only kept field a text line offers that can hold digits: $server_port.
        const digits = p.parts[0].replace(/\D/g, '');
        // Only a number that is all digits can stand in a port (an e-mail address in `time` cannot).
        if (portTpl !== null || !(famName === 'phone' || famName === 'pnr') || digits.length < 8 || digits.length > 20) {
          plants.pop();
          continue;
        }
        p.parts = [digits];
        p.text = digits;
        p.variant = 'digits';
        p.placeholder = '0';
        portTpl = bind(P0, idx);
        where.field = 'server_port';
      } else {
        const key = frag.key === 'server_port' ? 'status_code' : frag.key;
        const kind = frag.kind === 'digits' || frag.kind === 'number' ? 'number' : frag.kind;
        if (jsonExtra.some(([k]) => k === key)) {
          plants.pop();
          continue;
        }
        if (kind === 'number') {
          p.parts = [p.parts[0].replace(/\D/g, '')];
          if (p.parts[0].startsWith('0')) throw new Error(`a JSON number cannot start with 0: ${famName}/${g.variant}`);
          p.text = p.parts[0];
          p.placeholder = '0';
        }
        jsonExtra.push([key, bind(P0, idx), kind]);
        where.field = key;
      }
    } else {
      throw new Error(`no place for ${famName}/${slot}`);
    }
  }

  // ---- false-positive controls
  const nControls = rng.weighted([[5, 0], [4, 1], [2, 2]]);
  for (let k = 0; k < nControls; k++) {
    const [cName, cf] = rng.weighted(Object.entries(CONTROLS).map(([n, f]) => [f.weight, [n, f]]));
    const c = cf.gen(rng, { timeSec, slots: available });
    if (c === null) continue;
    const where = { expect: c.expect };
    // json_nested writes its URL under url.full, which the policy drops: only its message can keep a value.
    if (format === 'json_nested' && c.frag.text === undefined) continue;
    if (c.frag.text !== undefined) {
      if (!isJsonApp) continue;
      texts.push(() => c.frag.text);
      Object.assign(where, { field: format === 'json_nested' ? 'message' : 'msg', part: 'text' });
    } else if (c.frag.path !== undefined) {
      if (request.path !== null) continue;
      request.path = () => c.frag.path;
      Object.assign(where, { field: requestField, part: 'path' });
    } else if (c.frag.pairs !== undefined) {
      for (const [n, v] of c.frag.pairs) request.pairs.push([n, () => v]);
      Object.assign(where, { field: requestField, part: 'query', param: c.frag.pairs[0][0] });
    }
    controls.push({ family: cName, variant: c.variant, text: c.value, cores: [{ kind: 'text', value: c.value.toLowerCase() }], where, expect: c.expect });
  }

  // Benign parameters around the planted ones, in a shuffled order.
  const benign = rng.int(0, 3);
  for (let k = 0; k < benign; k++) {
    const [n, vals] = rng.pick(BENIGN_PARAMS);
    request.pairs.push([n, (() => { const v = rng.pick(vals); return () => v; })()]);
  }
  rng.shuffle(request.pairs);
  const defaultPath = rng.chance(0.15) ? rng.pick(ASSET_PATHS) : rng.pick(ROUTES);
  const requestTpl = request.tpl(defaultPath);
  if (referer !== null && refererTpl === null) refererTpl = referer.tpl(rng.pick(ROUTES));
  refererTpl ??= () => refererLiteral;
  uaTpl ??= () => ua;
  userTpl ??= () => '-';
  // X-Forwarded-For when no value was planted there: empty, or a second client address (itself checked).
  if (xffTpl === null && (format === 'combined_xff' || format === 'nginx_json' || format === 'json')) {
    if (rng.chance(0.4)) {
      const idx = plants.length;
      const o4 = clientV4(rng);
      plants.push(plantRec('client-ip', 'xff-v4', [o4.join('.')], [{ kind: 'ipv4', octets: /** @type {any} */ (o4) }], { field: isText || format === 'nginx_json' ? 'http_x_forwarded_for' : 'x_forwarded_for', slot: 'xff' }));
      xffTpl = rng.chance(0.5) ? cat(bind(P0, idx), ', 10.0.3.17') : bind(P0, idx);
    } else xffTpl = () => (format === 'nginx_json' ? '' : '-');
  }
  const port = rng.pick(['443', '443', '80', '8443']);
  const vhostHost = format === 'vhost_combined' && rng.chance(0.1) ? `[${v6Text(makeV6(rng), true)}]` : site;
  const msec = rng.int(0, 999);
  const duration = (rng.int(1, 2500) / 1000).toFixed(3);
  const bytes = String(o.bytes);
  const traceId = rng.hex(32);
  const service = rng.pick(['checkout', 'auth', 'notify', 'minasidor', 'booking', 'payments']);
  const level = rng.weighted([[6, 'info'], [2, 'warn'], [1, 'error'], [1, 'debug']]);
  const msgKey = rng.pick(['msg', 'message']);
  const timeKey = jsonExtra.some(([k]) => k === 'time') ? 'timestamp' : rng.pick(['timestamp', 'time', '@timestamp', 'ts', 'time_ms']);
  const nginxTimeKey = rng.weighted([[6, 'time_iso8601'], [2, 'msec'], [2, 'time_local']]);
  const userId = rng.chance(0.5) ? `u-${rng.int(1000, 99999)}` : null;
  const genericMsg = rng.pick(['request completed', 'cache miss', 'user logged in', 'order created', 'upstream slow', 'token refreshed', 'rendered page']);
  const shape = userSpace ? 'user-space' : o.bom ? 'bom' : vhostHost.startsWith('[') ? 'ipv6-vhost' : 'normal';
  // Plants in free text go to the message key the line uses.
  for (const p of plants) {
    if (p.where.field === 'msg' && format === 'json') p.where.field = msgKey;
    p.where.style = isText ? escStyle : isJsonApp ? jsonStyle : 'escape=json';
  }
  for (const c of controls) if (c.where.field === 'msg' && format === 'json') c.where.field = msgKey;

  /** @param {'raw' | 'redacted' | { only: number }} mode */
  function render(mode) {
    /** @type {(plant: number, part: number) => string} */
    const r = (i, part) => {
      const on = mode === 'raw' || (typeof mode === 'object' && mode.only === i);
      return on ? plants[i].parts[part] : plants[i].placeholder;
    };
    let line;
    if (isText) {
      const esc = (s) => clfEscape(s, escStyle);
      const head = `${esc(clientTpl(r))} - ${esc(userTpl(r))} [${clfTime(timeSec, offMin)}] "${esc(`${method} ${requestTpl(r)} ${proto}`)}" ${status} ${bytes}`;
      const tail = ` "${esc(refererTpl(r))}" "${esc(uaTpl(r))}"`;
      if (format === 'common') line = head;
      else if (format === 'combined') line = head + tail;
      else if (format === 'combined_xff') line = `${head}${tail} "${esc(xffTpl(r))}"`;
      else line = `${vhostHost}:${portTpl !== null ? portTpl(r) : port} ${head}${tail}`;
    } else if (format === 'nginx_json') {
      // nginx escape=json: `"` and `\` escaped, control characters as \u00XX, UTF-8 as it is; every value a string.
      const j = (s) => jsonString(s, 'js');
      const u = userTpl(r);
      const timeVal = nginxTimeKey === 'msec' ? `${timeSec}.${String(msec).padStart(3, '0')}` : nginxTimeKey === 'time_local' ? clfTime(timeSec, offMin) : isoTime(timeSec, offMin, -1);
      line =
        `{"${nginxTimeKey}":${j(timeVal)},"remote_addr":${j(clientTpl(r))},"remote_user":${j(u === '-' ? '' : u)},"request":${j(`${method} ${requestTpl(r)} ${proto}`)},` +
        `"status":"${status}","body_bytes_sent":"${bytes}","request_time":"${duration}","http_referer":${j(refererTpl(r) === '-' ? '' : refererTpl(r))},` +
        `"http_user_agent":${j(uaTpl(r))},"http_x_forwarded_for":${j(xffTpl(r) ?? '')}}`;
    } else {
      /** @type {[string, any][]} */
      const doc = [];
      const s = (v) => ({ s: v });
      const msg = texts.length > 0 ? texts.map((t) => t(r)).join('; ') : genericMsg;
      const url = requestTpl(r);
      if (format === 'json') {
        const tval =
          timeKey === 'ts' ? { n: String(timeSec) } : timeKey === 'time_ms' ? { n: String(timeSec * 1000 + msec) } : s(isoTime(timeSec, offMin, msec));
        doc.push([timeKey === 'time_ms' ? 'time' : timeKey, tval], ['level', s(level)], [msgKey, s(msg)]);
        const u = userTpl(r);
        if (u !== '-') doc.push([plants.find((p) => p.where.field === 'userId') ? 'userId' : 'user_id', s(u)]);
        else if (userId !== null && !jsonExtra.some(([k]) => k === 'user_id')) doc.push(['user_id', s(userId)]);
        doc.push(['client_ip', s(clientTpl(r))]);
        if (xffTpl !== null && xffTpl(r) !== '-') doc.push(['x_forwarded_for', s(xffTpl(r))]);
        doc.push(['method', s(method)]);
        const full = requestField === 'url' ? `https://${site}${url}` : url;
        doc.push([requestField, s(full)]);
        doc.push(['status_code', { n: status }], ['duration', { n: duration }], ['bytes', { n: bytes }]);
        const ref = refererTpl(r);
        if (ref !== '-') doc.push(['referer', s(ref)]);
        doc.push(['user_agent', s(uaTpl(r))], ['service', s(service)], ['trace_id', s(traceId)]);
        doc.push(['request', { o: [['id', s(`req-${traceId.slice(0, 8)}`)], ['ip', s(clientTpl(r))]] }]);
      } else {
        doc.push(['@timestamp', s(isoTime(timeSec, 0, msec))], ['log', { o: [['level', s(level)]] }], ['message', s(msg)]);
        doc.push(['service', { o: [['name', s(service)]] }]);
        doc.push(['client', { o: [['ip', s(clientTpl(r))]] }]);
        const u = userTpl(r);
        if (u !== '-') doc.push(['user', { o: [['name', s(u)]] }]);
        doc.push(['http', { o: [['request', { o: [['method', s(method)], ['referrer', s(refererTpl(r))]] }], ['response', { o: [['status_code', { n: status }]] }]] }]);
        doc.push(['url', { o: [['full', s(`https://${site}${url}`)]] }]);
        doc.push(['user_agent', { o: [['original', s(uaTpl(r))]] }]);
        doc.push(['bytes', { n: bytes }], ['trace', { o: [['id', s(traceId)]] }]);
      }
      // Extra keys: planted numbers and kept-field values (dotted names nest).
      for (const [key, t, kind] of jsonExtra) {
        const v = t(r);
        const node = kind === 'number' ? { n: v } : kind === 'array' ? { a: [s(v)] } : s(v);
        setPath(doc, key.split('.'), node);
      }
      line = serialise({ o: doc }, jsonStyle);
    }
    return o.bom ? '\ufeff' + line : line;
  }

  return { format, shape, timeSec, bytes, plants, controls, render };
}

/**
 * Sets a dotted key in the doc model, replacing a value already there (a
 * planted status_code replaces the real one).
 * @param {[string, any][]} doc @param {string[]} parts @param {any} node
 */
function setPath(doc, parts, node) {
  let cur = doc;
  for (let k = 0; k < parts.length - 1; k++) {
    let entry = cur.find(([key]) => key === parts[k]);
    if (entry === undefined || entry[1].o === undefined) {
      if (entry !== undefined) cur.splice(cur.indexOf(entry), 1);
      entry = [parts[k], { o: [] }];
      cur.push(entry);
    }
    cur = entry[1].o;
  }
  const last = parts[parts.length - 1];
  const at = cur.findIndex(([key]) => key === last);
  if (at >= 0) cur[at] = [last, node];
  else cur.push([last, node]);
}

/** @param {any} node @param {'js' | 'ascii' | 'php'} style @returns {string} */
function serialise(node, style) {
  if (node.s !== undefined) return jsonString(node.s, style);
  if (node.n !== undefined) return node.n;
  if (node.a !== undefined) return `[${node.a.map((x) => serialise(x, style)).join(',')}]`;
  return `{${node.o.map(([k, v]) => `${jsonString(k, style)}:${serialise(v, style)}`).join(',')}}`;
}
export { FORMATS, clfEscape, jsonString } from './lines-util.mjs';
