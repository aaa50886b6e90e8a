/**
 * The HTTP server of `gallra serve`, and of `gallra run` when the policy has
 * aggregates: `/healthz`, `/readyz`, `/metrics`, the dashboard at `/` and
 * its assets (uPlot from node_modules, gallra's own files; no CDN), and the
 * JSON API under `/api/`.
 *
 * Whenever it listens beyond loopback, a bearer token is required for the
 * API (`GALLRA_API_TOKEN`, or `--token-file`); it will not start without
 * one. The page and its assets hold no data and stay public; the page asks
 * for the token. Health and metrics stay as `gallra run` serves them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type http from 'node:http';
import type { Registry } from 'prom-client';
import type { AggregateSettings } from '../aggregate/config.js';
import { GallraError } from '../errors.js';
import type { QueryEngine } from '../stores/store.js';
import type { Health, MetricSample } from '../util/metric.js';
import { registerApi } from './api.js';
import { exposition } from './metrics.js';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  /** The API's bearer token; required (GALLRA_HTTP_FAILED otherwise) when `host` is not loopback. */
  readonly token?: string | undefined;
  readonly metrics: Registry;
  readonly ready: () => Health;
  readonly extraMetrics?: () => readonly MetricSample[];
  /** The aggregate store and the settings it was written with; without it only health and metrics are served. */
  readonly api?: { readonly engine: QueryEngine; readonly settings: AggregateSettings } | undefined;
}

/** A started server. */
export interface Server {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Whether `host` is a loopback address (or name): the only place the API may
 * listen without a token.
 *
 * @example
 * isLoopback('127.0.0.1') // true
 * isLoopback('0.0.0.0')   // false
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly etag: string;
}

const require = createRequire(import.meta.url);
// The page's files ship as they are (not compiled): dist/server/ and dist/bundle/ are both two levels down.
const DASHBOARD = new URL('../../src/server/dashboard/', import.meta.url);

function asset(type: string, body: Buffer): Asset {
  return { type, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
}

/** The dashboard and its assets, read once (uplot has no exports map: its dist files resolve directly). */
function assets(): Record<string, Asset> {
  return {
    '/': asset('text/html; charset=utf-8', readFileSync(new URL('index.html', DASHBOARD))),
    '/assets/app.js': asset('text/javascript; charset=utf-8', readFileSync(new URL('app.js', DASHBOARD))),
    '/assets/app.css': asset('text/css; charset=utf-8', readFileSync(new URL('app.css', DASHBOARD))),
    '/assets/uPlot.iife.min.js': asset('text/javascript; charset=utf-8', readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'))),
    '/assets/uPlot.min.css': asset('text/css; charset=utf-8', readFileSync(require.resolve('uplot/dist/uPlot.min.css'))),
  };
}

/** A constant-time comparison of a presented bearer token with the expected one. */
function tokenMatches(header: string | undefined, want: Buffer): boolean {
  const got = Buffer.from(header !== undefined && header.startsWith('Bearer ') ? header.slice(7) : '');
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * Starts the server; resolves once it listens.
 *
 * @example
 * const server = await startServer({ host: '127.0.0.1', port: 0, metrics, ready: () => ({ ready: true }), api: { engine, settings } });
 */
export async function startServer(o: ServerOptions): Promise<Server> {
  if (o.api !== undefined && !isLoopback(o.host) && (o.token === undefined || o.token === '')) {
    throw new GallraError('GALLRA_HTTP_FAILED', `http listener: the aggregate API would listen on ${o.host}, beyond loopback, without a token; set GALLRA_API_TOKEN (or --token-file), or listen on 127.0.0.1`);
  }
  if (o.token !== undefined && o.token !== '' && o.token.length < 16) {
    throw new GallraError('GALLRA_HTTP_FAILED', 'http listener: the API token is shorter than 16 characters; use a long random one (openssl rand -base64 32)');
  }
  const { default: Fastify } = await import('fastify');
  const app = Fastify({
    logger: false,
    // fastify's default Ajv drops unknown query keys silently (removeAdditional); refuse them instead.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    bodyLimit: 256 * 1024,
  });
  const token = o.token !== undefined && o.token !== '' ? Buffer.from(o.token) : undefined;
  if (token !== undefined) {
    app.addHook('onRequest', async (req, reply) => {
      if (!req.url.startsWith('/api/')) return;
      if (!tokenMatches(req.headers.authorization, token)) {
        await reply.code(401).header('www-authenticate', 'Bearer realm="gallra"').send({ error: 'a bearer token is required' });
      }
    });
  }
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  app.get('/healthz', async (_req, reply) => reply.type('text/plain').send('ok\n'));
  app.get('/readyz', async (_req, reply) => {
    const h = o.ready();
    return reply
      .code(h.ready ? 200 : 503)
      .type('text/plain')
      .send(h.ready ? 'ready\n' : `not ready${h.reason !== undefined ? `: ${h.reason}` : ''}\n`);
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await o.metrics.metrics();
    return reply.type(o.metrics.contentType).send(text + exposition(o.extraMetrics?.() ?? []));
  });

  if (o.api !== undefined) {
    const files = assets();
    for (const [path, a] of Object.entries(files)) {
      app.get(path, async (req, reply) => {
        if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
        reply.header('content-type', a.type).header('etag', a.etag).header('cache-control', 'no-cache');
        if (path === '/') {
          // The page may load only what this server serves, and call only this server.
          reply.header('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
        }
        return reply.send(a.body);
      });
    }
    app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());
    registerApi(app, o.api.engine, o.api.settings);
  }

  let url: string;
  try {
    url = await app.listen({ host: o.host, port: o.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw new GallraError('GALLRA_HTTP_FAILED', `http listener: cannot listen on ${o.host}:${o.port} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  const address = (app.server as http.Server).address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  return {
    port,
    url,
    async close() {
      await app.close();
    },
  };
}
