// How the ops server answers requests it will not take: a body over the limit gets a 413 with a JSON
// error (not a closed connection), and only application/json commands are read.
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { opsServer } from '../../../adapters/http/ops-server.js';
import type { ExecutionOperatorApi } from '../../../adapters/http/operator-routes.js';
import type { OperatorCommand } from '../../../actors/execution/events.js';
import type { ChildLink, RunningChild } from '../../../runtime/ports/supervision.js';
import { rawRequest } from '../../support/http-request.js';

const link: ChildLink = { childId: 'http', parentRef: undefined as never, failed: () => undefined, exited: () => undefined };

describe('ops server: oversized and mistyped requests', () => {
  const sent: OperatorCommand[] = [];
  const api: ExecutionOperatorApi = {
    loopbackOnly: true,
    token: () => undefined,
    status: async () => ({ killSwitch: { active: false }, reviews: [] }),
    command: async (c) => {
      sent.push(c);
      return `cmd-${sent.length}`;
    },
  };
  let server: RunningChild;
  let port = 0;
  before(async () => {
    server = await opsServer({ host: '127.0.0.1', port: 0, registry: new Registry(), healthy: () => true, ready: () => true, onListening: (p) => (port = p), operator: api }).start(link);
  });
  after(() => server.stop('spec over'));
  beforeEach(() => (sent.length = 0));

  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    rawRequest({ port, path: '/execution/kill-switch', method: 'POST', headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...headers }, body });
  const reason = (n: number) => JSON.stringify({ mode: 'activate', by: 'alice', reason: 'x'.repeat(n) });

  it('answers a body over 16 KiB with 413 and a JSON error, whether its length is declared or chunked', async () => {
    for (const size of [17 * 1024, 1024 * 1024]) {
      const declared = await post(reason(size));
      expect(declared.status, `${size} bytes with content-length`).to.equal(413);
      expect(declared.headers['content-type']).to.equal('application/json');
      expect(JSON.parse(declared.body)).to.deep.equal({ error: 'the request body is over 16384 bytes' });
      const chunked = await post(reason(size), { 'transfer-encoding': 'chunked' });
      expect(chunked.status, `${size} bytes chunked`).to.equal(413);
      expect(JSON.parse(chunked.body)).to.have.property('error', 'the request body is over 16384 bytes');
    }
    expect(sent).to.deep.equal([]);
    // The server goes on serving after refusing.
    expect((await post(reason(10))).status).to.equal(202);
  });

  it('reads commands only as application/json (parameters such as charset allowed), 415 otherwise', async () => {
    for (const type of ['application/json-patch+json', 'application/jsonx', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/merge-patch+json']) {
      const res = await post(reason(10), { 'content-type': type });
      expect(res.status, type).to.equal(415);
      expect(JSON.parse(res.body), type).to.deep.equal({ error: 'commands must be sent as application/json' });
    }
    expect((await post(reason(10), { 'content-type': '' })).status).to.equal(415);
    expect(sent).to.deep.equal([]);
    for (const type of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset=UTF-8']) {
      expect((await post(reason(10), { 'content-type': type })).status, type).to.equal(202);
    }
    expect(sent).to.have.length(4);
  });
});
