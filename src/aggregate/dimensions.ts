/**
 * What the aggregate stage reads from an event: its dimension values and
 * metric inputs, derived **only from anonymised values**
 * (`ev.anonymisedOf(role)`), the derived visitor id and the event time —
 * never from a raw field. Every dimension value comes from a closed
 * vocabulary (status codes, user-agent families, `(other)`…) or through a
 * function that removes identifiers (path templating, registrable domains),
 * and the k-threshold stands behind both.
 *
 * Derivations are memoised by the value they come from (the same few
 * hundred user agents, request lines and referrers repeat millions of
 * times), in bounded caches.
 */
import type { Event, FieldLayout } from '../event/event.js';
import { DIMENSIONS, type Dimension } from '../stores/aggregates-table.js';
import { classifyUserAgent } from '../transforms/generalise-user-agent/generalise-user-agent.js';
import { templatePath } from '../transforms/url/path-template.js';
import { detach } from '../util/string-cache.js';
import { DIRECT, INTERNAL, INVALID, referrerDomain, registrableDomain } from './referrer.js';

/** The roles the reader looks at. */
const READ_ROLES = ['host', 'request', 'method', 'path', 'url', 'protocol', 'status', 'referer', 'user_agent', 'server_port', 'direction', 'bytes', 'bytes_out', 'duration', 'user'] as const;

/** The value of a dimension the event does not carry. */
export const NONE = '(none)';

/** Dimension index by name (the order of {@link DIMENSIONS}). */
export const DIM_INDEX: Readonly<Record<Dimension, number>> = Object.fromEntries(DIMENSIONS.map((d, i) => [d, i])) as Record<Dimension, number>;
const D = DIM_INDEX;

/**
 * The derivation-cache entries an event's dimension values came from, by
 * kind: each entry stands for a fixed set of values, so it can remember the
 * row those values led to (see RowHints in rollup.ts).
 */
export const SOURCE = { request: 0, status: 1, agent: 2 } as const;
/** The dimensions each kind of entry fixes. */
export const SOURCE_DIMS: readonly (readonly Dimension[])[] = [
  ['method', 'path_template', 'protocol'],
  ['status', 'status_class'],
  ['browser', 'os', 'device', 'bot'],
];

/** A derivation-cache entry's slot for the rows it led to (owned by rollup.ts). */
export interface Hinted {
  hints: unknown;
}

/** What one event contributes: filled in place, event after event. */
export class EventFacts {
  /** By {@link SOURCE}: the entry the event's values of those dimensions came from, or undefined (then they came otherwise). */
  readonly sources: (Hinted | undefined)[] = [undefined, undefined, undefined];
  /** Dimension values by {@link DIM_INDEX}. */
  readonly dims: string[] = new Array<string>(DIMENSIONS.length).fill(NONE);
  bytes = 0;
  /** The status code as a number, 0 when absent. */
  status = 0;
  /** Duration in ms, NaN when absent. */
  durationMs = NaN;
  visitor: string | undefined = undefined;
  user: string | undefined = undefined;
}

interface RequestDims extends Hinted {
  readonly method: string;
  readonly path: string;
  readonly protocol: string;
}

interface AgentDims extends Hinted {
  readonly browser: string;
  readonly os: string;
  readonly device: string;
  readonly bot: string;
}

/**
 * Entries per derivation cache. Maps, not StringCaches: the values looked
 * up are mostly the anonymise stage's own memoised outputs (the same string
 * object line after line), whose hash V8 keeps in the string, so a Map
 * lookup costs no hashing at all; a StringCache would hash every time.
 */
const CACHE = 16_384;

/** A Map that forgets everything when it is full (the derivations are cheap to redo). */
class Memo<V> {
  private readonly map = new Map<string, V>();

  constructor(
    private readonly fn: (key: string) => V,
    private readonly size = CACHE,
  ) {}

  get(key: string): V {
    let v = this.map.get(key);
    if (v === undefined) {
      v = this.fn(key);
      if (this.map.size >= this.size) this.map.clear();
      // Copied: a slice would keep the whole chunk of input alive.
      this.map.set(detach(key), v);
    }
    return v;
  }
}

interface StatusDims extends Hinted {
  readonly code: number;
  readonly status: string;
  readonly statusClass: string;
}

function statusDims(text: string): StatusDims {
  const code = /^[1-9]\d\d$/.test(text) ? Number(text) : -1;
  return code > 0 ? { code, status: String(code), statusClass: statusClass(code), hints: undefined } : { code: 0, status: INVALID, statusClass: INVALID, hints: undefined };
}

const METHOD = /^[A-Z]{1,16}$/;
const PROTOCOL = /^[A-Za-z][A-Za-z0-9./-]{0,15}$/;
const HOST = /^[a-z0-9.-]{1,253}$/;

function statusClass(code: number): string {
  return code >= 100 && code < 600 ? `${Math.floor(code / 100)}xx` : INVALID;
}

/**
 * IP protocol numbers (flow logs, CDRs write `6`, not `TCP`) by their IANA
 * names; other numbers stay numbers (0–255: a closed vocabulary anyway).
 */
const IP_PROTOCOLS: Readonly<Record<string, string>> = { '1': 'ICMP', '2': 'IGMP', '6': 'TCP', '17': 'UDP', '41': 'IPv6', '47': 'GRE', '50': 'ESP', '51': 'AH', '58': 'ICMPv6', '132': 'SCTP' };

/** The `protocol` dimension of a protocol field: a name as written (HTTP/1.1, h2), an IP protocol number by name. */
function protocolValue(p: string): string {
  if (/^\d{1,3}$/.test(p)) {
    const n = Number(p);
    return n > 255 ? INVALID : (IP_PROTOCOLS[String(n)] ?? String(n));
  }
  return PROTOCOL.test(p) ? detach(p) : INVALID;
}

/**
 * The `direction` dimension: which way traffic went, in two closed pairs —
 * `in`/`out` (flow logs' ingress/egress, inbound/outbound) and `mo`/`mt`
 * (a CDR's mobile-originated/-terminated). Anything else reads (invalid):
 * the field is free text to its format, not to the aggregates.
 */
const DIRECTIONS: Readonly<Record<string, string>> = {
  ingress: 'in', inbound: 'in', in: 'in', incoming: 'in', rx: 'in',
  egress: 'out', outbound: 'out', out: 'out', outgoing: 'out', tx: 'out',
  mo: 'mo', moc: 'mo', originating: 'mo', 'mobile-originated': 'mo',
  mt: 'mt', mtc: 'mt', terminating: 'mt', 'mobile-terminated': 'mt',
};

function directionValue(d: string): string {
  return Object.hasOwn(DIRECTIONS, d.toLowerCase()) ? DIRECTIONS[d.toLowerCase()]! : INVALID;
}

function portClass(port: number): string {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) return INVALID;
  return port < 1024 ? 'well-known' : port < 49_152 ? 'registered' : 'dynamic';
}

/** A host field's dimension value: the lower-cased name without port, or (invalid) for anything else (an address). */
function hostValue(raw: string): string {
  let h = raw.toLowerCase();
  const colon = h.lastIndexOf(':');
  if (colon >= 0 && /^\d{1,5}$/.test(h.slice(colon + 1))) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return HOST.test(h) && /[a-z]/.test(h) ? h : INVALID;
}

/** Longest path template kept; a longer one is cut at a segment boundary and ends in `/…`. */
const MAX_PATH = 200;
const SCHEME_HOST = /^[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^/\\]*/;

/**
 * The `path_template` dimension of a request target: the path with its
 * identifier-shaped segments typed (templatePath, the redactor's own rule),
 * without the scheme and host of an absolute target (the host is its own
 * dimension), bounded in length.
 *
 * @example
 * pathTemplateOf('https://shop.example/users/134792/orders?page=2') // '/users/{user}/orders'
 */
export function pathTemplateOf(target: string): string {
  let t = templatePath(target).replace(SCHEME_HOST, '');
  if (t === '' || t[0] !== '/') t = '/' + t;
  if (t.length <= MAX_PATH) return t;
  const cut = t.lastIndexOf('/', MAX_PATH - 2);
  return `${t.slice(0, cut > 0 ? cut : MAX_PATH - 2)}/…`;
}

function requestDims(line: string): RequestDims {
  // "METHOD target PROTOCOL" (a request line); a bare target when the log has a path field.
  const a = line.indexOf(' ');
  if (a < 0) return { method: NONE, path: detach(pathTemplateOf(line)), protocol: NONE, hints: undefined };
  const b = line.lastIndexOf(' ');
  const method = line.slice(0, a);
  const target = b > a ? line.slice(a + 1, b) : line.slice(a + 1);
  const protocol = b > a ? line.slice(b + 1) : NONE;
  // Copies: a slice would keep the whole chunk of input alive in the cache.
  return {
    method: METHOD.test(method) ? detach(method) : INVALID,
    path: target === '' ? NONE : detach(pathTemplateOf(target)),
    protocol: protocol === NONE || PROTOCOL.test(protocol) ? detach(protocol) : INVALID,
    hints: undefined,
  };
}

function agentDims(ua: string): AgentDims {
  if (ua === '-' || ua === '') return { browser: NONE, os: NONE, device: NONE, bot: NONE, hints: undefined };
  const info = classifyUserAgent(ua);
  return { browser: info.family, os: info.os, device: info.device, bot: info.device === 'bot' ? 'bot' : 'human', hints: undefined };
}

function numberOf(text: string | undefined): number {
  if (text === undefined || text === '' || text === '-') return NaN;
  return Number(text);
}

/**
 * Reads events into {@link EventFacts}.
 *
 * @example
 * const reader = new DimensionReader({ durationToMs: 1000, internalDomains: [] });
 * reader.read(ev, facts); facts.dims[DIM_INDEX.path_template] // '/users/{id}'
 */
export class DimensionReader {
  private readonly requests = new Memo<RequestDims>(requestDims);
  private readonly paths = new Memo<string>((p) => detach(pathTemplateOf(p)));
  private readonly agents = new Memo<AgentDims>(agentDims);
  private readonly referrers = new Memo<string>((r) => referrerDomain(r, undefined, this.options.internalDomains));
  private readonly hosts = new Memo<string>(hostValue, 1024);
  private readonly siteDomains = new Memo<string>(registrableDomain, 1024);
  private readonly statuses = new Memo<StatusDims>(statusDims, 1024);
  private readonly methods = new Memo<string>((m) => (METHOD.test(m) ? detach(m) : INVALID), 1024);
  private readonly protocols = new Memo<string>(protocolValue, 1024);
  private readonly directions = new Memo<string>(directionValue, 256);
  private readonly ports = new Memo<string>((p) => portClass(Number(p)), 1024);

  /** Which of the roles read below the last event's layout has (formats reuse one layout line after line). */
  private layout: FieldLayout | undefined = undefined;
  private has: Readonly<Record<(typeof READ_ROLES)[number], boolean>> = Object.fromEntries(READ_ROLES.map((r) => [r, false])) as Record<(typeof READ_ROLES)[number], boolean>;

  constructor(
    private readonly options: {
      /** Multiplier from the duration field's unit to ms. */
      readonly durationToMs: number;
      readonly internalDomains: readonly string[];
    },
  ) {}

  /** Fills `f` from `ev`'s anonymised values. */
  read(ev: Event, f: EventFacts): void {
    if (ev.layout !== this.layout) {
      const layout = ev.layout;
      this.layout = layout;
      this.has = Object.fromEntries(READ_ROLES.map((r) => [r, layout.slotsOf(r).length > 0])) as Record<(typeof READ_ROLES)[number], boolean>;
    }
    const has = this.has;
    const dims = f.dims;
    // host
    const rawHost = has.host ? ev.anonymisedOf('host') : undefined;
    const host = rawHost === undefined || rawHost === '-' || rawHost === '' ? NONE : this.hosts.get(rawHost);
    dims[D.host] = host;

    // method, path template, protocol: from the request line, or from their own fields
    const request = has.request ? ev.anonymisedOf('request') : undefined;
    let method = NONE;
    let path = NONE;
    let protocol = NONE;
    const sources = f.sources;
    sources[SOURCE.request] = undefined;
    if (request !== undefined && request !== '-' && request !== '') {
      const r = this.requests.get(request);
      method = r.method;
      path = r.path;
      protocol = r.protocol;
      // The entry stands for the three values only when no field of their own can override them.
      if (!has.method && !has.path && !has.url && !has.protocol) sources[SOURCE.request] = r;
    }
    if (has.method) {
      const own = ev.anonymisedOf('method');
      if (own !== undefined && own !== '-') method = this.methods.get(own);
    }
    if (has.path || has.url) {
      const own = (has.path ? ev.anonymisedOf('path') : undefined) ?? (has.url ? ev.anonymisedOf('url') : undefined);
      if (own !== undefined && own !== '-' && own !== '') path = this.paths.get(own);
    }
    if (has.protocol) {
      const own = ev.anonymisedOf('protocol');
      if (own !== undefined && own !== '-' && own !== '') protocol = this.protocols.get(own);
    }
    dims[D.method] = method;
    dims[D.path_template] = path;
    dims[D.protocol] = protocol;

    // status, status class
    const statusText = has.status ? ev.anonymisedOf('status') : undefined;
    if (statusText === undefined || statusText === '-') {
      f.status = 0;
      dims[D.status] = dims[D.status_class] = NONE;
      sources[SOURCE.status] = undefined;
    } else {
      const st = this.statuses.get(statusText);
      sources[SOURCE.status] = st;
      f.status = st.code;
      dims[D.status] = st.status;
      dims[D.status_class] = st.statusClass;
    }

    // referrer domain (internal when it is the request's own site)
    const referer = has.referer ? ev.anonymisedOf('referer') : undefined;
    let domain = referer === undefined || referer === '-' || referer === '' ? DIRECT : this.referrers.get(referer);
    if (host !== NONE && domain.charCodeAt(0) !== 40 /* ( */ && this.siteDomains.get(host) === domain) domain = INTERNAL;
    dims[D.referrer_domain] = domain;

    // browser, os, device, bot
    const ua = has.user_agent ? ev.anonymisedOf('user_agent') : undefined;
    if (ua === undefined) {
      dims[D.browser] = dims[D.os] = dims[D.device] = dims[D.bot] = NONE;
      sources[SOURCE.agent] = undefined;
    } else {
      const a = this.agents.get(ua);
      sources[SOURCE.agent] = a;
      dims[D.browser] = a.browser;
      dims[D.os] = a.os;
      dims[D.device] = a.device;
      dims[D.bot] = a.bot;
    }

    // port class and direction (traffic metadata); the port read is the server's, never a client's
    const port = has.server_port ? ev.anonymisedOf('server_port') : undefined;
    // Port 0 is a flow log's "no port" (ICMP, GRE): (none), not a well-known port.
    dims[D.port_class] = port === undefined || port === '-' || port === '' || port === '0' ? NONE : this.ports.get(port);
    const direction = has.direction ? ev.anonymisedOf('direction') : undefined;
    dims[D.direction] = direction === undefined || direction === '-' || direction === '' ? NONE : this.directions.get(direction);

    // metrics
    const bytes = numberOf((has.bytes ? ev.anonymisedOf('bytes') : undefined) ?? (has.bytes_out ? ev.anonymisedOf('bytes_out') : undefined));
    f.bytes = Number.isFinite(bytes) && bytes >= 0 ? bytes : 0;
    const duration = has.duration ? ev.anonymisedOf('duration') : undefined;
    f.durationMs = duration === undefined ? NaN : durationMs(duration) * this.options.durationToMs;
    f.visitor = ev.visitorId;
    const user = has.user ? ev.anonymisedOf('user') : undefined;
    f.user = user === undefined || user === '-' || user === '' ? undefined : user;
  }
}

/**
 * A duration field's value in its own unit: a number, or nginx's list of
 * upstream times (`0.012, 0.004 : 0.003`, summed), with an optional `ms`/`s`.
 */
function durationMs(text: string): number {
  const n = Number(text);
  if (Number.isFinite(n)) return n;
  let sum = 0;
  let any = false;
  for (const part of text.split(/,\s*|\s*:\s*/)) {
    const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(part);
    if (m === null) continue;
    sum += Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
    any = true;
  }
  return any ? sum : NaN;
}
