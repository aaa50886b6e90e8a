/**
 * The optional HTTP listener of `gallra run`: `/healthz` (the process
 * answers), `/readyz` (every source started and no shutdown under way) and
 * `/metrics` (Prometheus). Bound to 127.0.0.1 unless configured otherwise,
 * and it serves nothing else: no log content is reachable over HTTP.
 */
import http from 'node:http';
import type { Registry } from 'prom-client';
import type { HttpConfig } from '../policy/run-sections.js';
import type { Health, MetricSample } from '../util/metric.js';
import { exposition } from './metrics.js';
import { GallraError } from '../errors.js';


/**
 * Starts the listener; resolves once it is bound.
 *
 * @example
 * const server = await startHttp({ host: '127.0.0.1', port: 9464 }, registry, () => ready);
 */
export async function startHttp(config: HttpConfig, registry: Registry, ready: () => Health, extra: () => readonly MetricSample[] = () => []): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (url === '/readyz') {
      const h = ready();
      res.writeHead(h.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(h.ready ? 'ready\n' : `not ready${h.reason !== undefined ? `: ${h.reason}` : ''}\n`);
    } else if (url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text + exposition(extra())),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    throw new GallraError('GALLRA_HTTP_FAILED', `http listener: cannot listen on ${config.host}:${config.port} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  });
  return server;
}
