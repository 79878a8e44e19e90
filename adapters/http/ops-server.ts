// The operations endpoint: /metrics (Prometheus text), /healthz (the process and its root supervisor
// are alive), /readyz (the runtime is consuming) and, when given, the operator endpoints under
// /execution (operator-routes.ts). A supervised infra worker.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import { operatorRoute, type OperatorApi } from './operator-routes.js';

const MAX_BODY = 16 * 1024;

export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  readonly healthy: () => boolean;
  readonly ready: () => boolean | Promise<boolean>;
  /** Told the bound port (useful with port 0). */
  readonly onListening?: (port: number) => void;
  readonly operator?: OperatorApi;
}

export function opsServer(options: OpsServerOptions): ChildSpec {
  return {
    id: 'http',
    restart: 'permanent',
    shutdown: 2000,
    type: 'worker',
    start: async (link) => {
      const server = createServer((req, res) => {
        void readBody(req)
          .then((body) => respond(req, body, options))
          .then(
            ({ status, type, body }) => {
              res.writeHead(status, { 'content-type': type });
              res.end(body);
            },
            () => {
              // The detail may name internal hosts: the caller gets no more than this.
              res.writeHead(500, { 'content-type': 'text/plain' });
              res.end('internal error\n');
            },
          );
      });
      await listen(server, options.host, options.port);
      options.onListening?.((server.address() as AddressInfo).port);
      server.on('error', (err) => link.failed(err));
      return {
        stop: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
        kill: () => {
          server.close();
          server.closeAllConnections();
        },
      };
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  if (req.method === 'GET' || req.method === 'HEAD') return Promise.resolve('');
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error(`request body over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function respond(req: IncomingMessage, body: string, options: OpsServerOptions): Promise<{ status: number; type: string; body: string }> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (options.operator) {
    const h = req.headers;
    const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    const answer = await operatorRoute(options.operator, {
      method: req.method ?? 'GET',
      path,
      authorization: h.authorization,
      body,
      ...(h.host !== undefined ? { host: h.host } : {}),
      ...(h.origin !== undefined ? { origin: h.origin } : {}),
      ...(h['sec-fetch-site'] !== undefined ? { secFetchSite: one(h['sec-fetch-site'])! } : {}),
      ...(h['content-type'] !== undefined ? { contentType: h['content-type'] } : {}),
    });
    if (answer) return { status: answer.status, type: 'application/json', body: JSON.stringify(answer.body) };
  }
  switch (path) {
    case '/metrics':
      return { status: 200, type: options.registry.contentType, body: await options.registry.metrics() };
    case '/healthz': {
      const ok = options.healthy();
      return { status: ok ? 200 : 503, type: 'application/json', body: JSON.stringify({ status: ok ? 'ok' : 'unhealthy' }) };
    }
    case '/readyz': {
      const ok = await options.ready();
      return { status: ok ? 200 : 503, type: 'application/json', body: JSON.stringify({ status: ok ? 'ready' : 'not-ready' }) };
    }
    default:
      return { status: 404, type: 'application/json', body: JSON.stringify({ error: 'not found', paths: ['/metrics', '/healthz', '/readyz'] }) };
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
