// DNS-rebinding protection on the whole ops server: which Host names it answers, on loopback and
// off it, with and without an operator token. The rule does not depend on the token.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Registry } from 'prom-client';
import { opsServer } from '../../../adapters/http/ops-server.js';
import type { ExecutionOperatorApi } from '../../../adapters/http/operator-routes.js';
import { loadConfig } from '../../../config/load.js';
import { ConfigError } from '../../../config/config-error.js';
import type { ChildLink, RunningChild } from '../../../runtime/ports/supervision.js';
import { rawRequest } from '../../support/http-request.js';

const TOKEN = 's3cret-token';

function operator(token: string | undefined, loopbackOnly: boolean): ExecutionOperatorApi {
  return { loopbackOnly, token: () => token, status: async () => ({ killSwitch: { active: false }, reviews: [] }), command: async () => 'cmd-1' };
}

const link: ChildLink = { childId: 'http', parentRef: undefined as never, failed: () => undefined, exited: () => undefined };

async function serve(host: string, token: string | undefined, allowedHosts: readonly string[] = []): Promise<{ port: number; server: RunningChild }> {
  let port = 0;
  const loopbackOnly = host === '127.0.0.1';
  const server = await opsServer({
    host,
    port: 0,
    allowedHosts,
    registry: new Registry(),
    healthy: () => true,
    ready: () => true,
    onListening: (p) => (port = p),
    operator: operator(token, loopbackOnly),
  }).start(link);
  return { port, server };
}

/** The status line of an HTTP/1.0 request with no Host header (clients add one otherwise). */
function withoutHost(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /metrics HTTP/1.0\r\n\r\n'));
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('ops server: the Host names it answers (DNS-rebinding protection)', () => {
  const running: RunningChild[] = [];
  after(async () => {
    for (const s of running) await s.stop('spec over');
  });
  const start = async (host: string, token: string | undefined, allowed?: readonly string[]) => {
    const s = await serve(host, token, allowed);
    running.push(s.server);
    return s.port;
  };
  const status = async (port: number, path: string, host: string, headers: Record<string, string> = {}) => (await rawRequest({ port, path, headers: { host, ...headers } })).status;

  for (const token of [TOKEN, undefined]) {
    const label = token ? 'with OPS_API_TOKEN' : 'without a token';
    it(`on loopback, ${label}: serves only loopback names, on every path`, async () => {
      const port = await start('127.0.0.1', token);
      for (const path of ['/execution', '/metrics', '/healthz', '/readyz']) {
        for (const evil of ['evil.example', `evil.example:${port}`, `rebind.evil.example:${port}`, '10.0.0.7:9464', 'localhost.evil.example']) {
          expect(await status(port, path, evil), `${path} Host ${evil}`).to.equal(403);
        }
        for (const local of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'LocalHost', 'localhost:8080']) {
          expect(await status(port, path, local), `${path} Host ${local}`).to.equal(200);
        }
      }
      const refused = await rawRequest({ port, path: '/metrics', headers: { host: 'evil.example' } });
      expect(JSON.parse(refused.body)).to.have.property('error').that.matches(/http\.allowedHosts/);
    });
  }

  it('off loopback: IP addresses (kubelet probes and scrapes by pod IP), this machine, http.allowedHosts; nothing else', async () => {
    const port = await start('0.0.0.0', TOKEN, ['*.regent', 'ops.example.com']);
    const bearer = { authorization: `Bearer ${TOKEN}` };
    for (const host of [`10.244.1.7:${port}`, '10.244.1.7', `[fd00::7]:${port}`, `localhost:${port}`, `${hostname()}:${port}`, `regent-0.regent:${port}`, 'ops.example.com']) {
      expect(await status(port, '/healthz', host), `/healthz Host ${host}`).to.equal(200);
      expect(await status(port, '/metrics', host), `/metrics Host ${host}`).to.equal(200);
      expect(await status(port, '/execution', host, bearer), `/execution Host ${host}`).to.equal(200);
      expect(await status(port, '/execution', host), `/execution Host ${host} without the token`).to.equal(401);
    }
    for (const host of ['evil.example', `evil.example:${port}`, 'x.ops.example.com', 'regent.evil.example', 'evil.example.', '10.0.0.7.evil.example']) {
      expect(await status(port, '/metrics', host), `/metrics Host ${host}`).to.equal(403);
      expect(await status(port, '/readyz', host), `/readyz Host ${host}`).to.equal(403);
      expect(await status(port, '/execution', host, bearer), `/execution Host ${host}`).to.equal(403);
    }
    expect(await withoutHost(port), 'an HTTP/1.0 request that names no host').to.match(/^HTTP\/1\.1 403 /);
  });

  it('serves what k8s/statefulset.yaml sends: kubelet probes and scrapes by pod IP, the service names', async () => {
    const docs = parseAllDocuments(readFileSync('k8s/statefulset.yaml', 'utf8')).map((d) => d.toJS() as Record<string, any>);
    const pod = docs.find((d) => d['kind'] === 'StatefulSet')!['spec'].template.spec.containers[0];
    const env = Object.fromEntries((pod.env as { name: string; value?: string }[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    const dir = mkdtempSync(join(tmpdir(), 'regent-k8s-'));
    try {
      const file = join(dir, 'regent.yaml');
      writeFileSync(file, docs.find((d) => d['kind'] === 'ConfigMap')!['data']['regent.yaml']);
      const config = loadConfig({ env: { REGENT_HTTP__HOST: env['REGENT_HTTP__HOST']! }, file });
      const port = await start(config.http.host, TOKEN, config.http.allowedHosts);
      for (const host of [`10.244.3.9:${port}`, `regent-1.regent:${port}`, `regent.trading.svc.cluster.local:${port}`, `regent-1.regent.trading.svc.cluster.local:${port}`]) {
        expect(await status(port, pod.readinessProbe.httpGet.path, host), `readiness Host ${host}`).to.equal(200);
        expect(await status(port, pod.livenessProbe.httpGet.path, host), `liveness Host ${host}`).to.equal(200);
        expect(await status(port, '/metrics', host), `scrape Host ${host}`).to.equal(200);
      }
      expect(await status(port, '/metrics', 'evil.example')).to.equal(403);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes http.allowedHosts from config (REGENT_HTTP__ALLOWED_HOSTS too) and refuses entries that are not host names', () => {
    expect(loadConfig({ env: {} }).http.allowedHosts).to.deep.equal([]);
    expect(loadConfig({ env: { REGENT_HTTP__ALLOWED_HOSTS: '*.regent,ops.example.com' } }).http.allowedHosts).to.deep.equal(['*.regent', 'ops.example.com']);
    for (const bad of ['ops.example.com:9464', 'http://ops.example.com', '*', 'a b']) {
      expect(() => loadConfig({ env: {}, overrides: { http: { allowedHosts: [bad] } } }), bad).to.throw(ConfigError, /allowedHosts/);
    }
  });
});
