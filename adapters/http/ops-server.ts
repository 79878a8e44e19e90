// The operations endpoint: /metrics (Prometheus text), /healthz (the process and its root supervisor
// are alive), /readyz (the runtime is consuming) and, when given, the operator endpoints under
// /execution (operator-routes.ts). Every path answers only the Host names of host-check.ts.
// A supervised infra worker.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { workerSpec, type ChildSpec } from '../../runtime/ports/supervision.js';
import { hostRule } from './host-check.js';
import { operatorRoute, type ExecutionOperatorApi } from './operator-routes.js';

const MAX_BODY = 16 * 1024;

/** The body went over MAX_BODY: answered 413, and the rest of it is not read. */
class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor() {
    super(`the request body is over ${MAX_BODY} bytes`);
  }
}

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

const json = (status: number, body: unknown): Answer => ({ status, type: 'application/json', body: JSON.stringify(body) });

export interface Readiness {
  readonly ready: boolean;
  readonly reasons?: Record<string, string>;
}

export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  /** Host names served besides loopback (and, off loopback, IP addresses and this machine's name). */
  readonly allowedHosts?: readonly string[];
  readonly registry: Registry;
  readonly healthy: () => boolean;
  /** Ready or not; not ready may say why, per component (answered in the body of a 503). */
  readonly ready: () => boolean | Readiness | Promise<boolean | Readiness>;
  /** Told the bound port (useful with port 0). */
  readonly onListening?: (port: number) => void;
  readonly operator?: ExecutionOperatorApi;
}

/** How long closing the server may take before its connections are cut. */
const SHUTDOWN_MS = 2000;

export function opsServer(options: OpsServerOptions): ChildSpec {
  return workerSpec('http', SHUTDOWN_MS, async (link) => {
    const hostAllowed = hostRule({ listenHost: options.host, allowedHosts: options.allowedHosts ?? [], machineName: hostname() });
    const server = createServer((req, res) => {
      if (!hostAllowed(req.headers.host)) {
        // Before the body is read: a rebound page gets nothing, whatever it sends.
        send(res, json(403, { error: 'this Host name is not served here (DNS-rebinding protection); an operator can allow it in http.allowedHosts' }), true);
        return;
      }
      void readBody(req)
        .then((body) => respond(req, body, options))
        .then(
          (answer) => send(res, answer),
          (err: unknown) => {
            if (err instanceof BodyTooLargeError) return send(res, json(413, { error: err.message }), true);
            // The detail may name internal hosts: the caller gets no more than this.
            send(res, { status: 500, type: 'text/plain', body: 'internal error\n' });
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
  });
}

/** Answers, and with `close` ends the connection after it (the request was not read to its end). */
function send(res: ServerResponse, answer: Answer, close = false): void {
  res.writeHead(answer.status, { 'content-type': answer.type, ...(close ? { connection: 'close' } : {}) });
  res.end(answer.body);
}

/** The body as text; rejects with BodyTooLargeError as soon as it is known to be over MAX_BODY. */
function readBody(req: IncomingMessage): Promise<string> {
  if (req.method === 'GET' || req.method === 'HEAD') return Promise.resolve('');
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
    req.resume(); // drained, not buffered, so the client can finish sending and read the 413
    return Promise.reject(new BodyTooLargeError());
  }
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      chunks.length = 0;
      req.resume();
      reject(new BodyTooLargeError());
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function respond(req: IncomingMessage, body: string, options: OpsServerOptions): Promise<Answer> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (options.operator) {
    const h = req.headers;
    const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    const answer = await operatorRoute(options.operator, {
      method: req.method ?? 'GET',
      path,
      authorization: h.authorization,
      body,
      ...(h.origin !== undefined ? { origin: h.origin } : {}),
      ...(h['sec-fetch-site'] !== undefined ? { secFetchSite: one(h['sec-fetch-site'])! } : {}),
      ...(h['content-type'] !== undefined ? { contentType: h['content-type'] } : {}),
    });
    if (answer) return json(answer.status, answer.body);
  }
  switch (path) {
    case '/metrics':
      return { status: 200, type: options.registry.contentType, body: await options.registry.metrics() };
    case '/healthz': {
      const ok = options.healthy();
      return { status: ok ? 200 : 503, type: 'application/json', body: JSON.stringify({ status: ok ? 'ok' : 'unhealthy' }) };
    }
    case '/readyz': {
      const answer = await options.ready();
      const { ready, reasons } = typeof answer === 'boolean' ? { ready: answer, reasons: undefined } : answer;
      return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not-ready', ...(!ready && reasons ? { reasons } : {}) });
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
