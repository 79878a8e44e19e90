// The operator endpoints: routing, validation, and who may send commands.
import { expect } from 'chai';
import type { OperatorCommand } from '../../../actors/execution/events.js';
import { operatorRoute, type ExecutionOperatorApi, type OperatorRequest } from '../../../adapters/http/operator-routes.js';
import { OperatorUnavailableError } from '../../../runtime/ports/operator-api.js';

function api(over: Partial<ExecutionOperatorApi> = {}): ExecutionOperatorApi & { sent: OperatorCommand[] } {
  const sent: OperatorCommand[] = [];
  return {
    sent,
    loopbackOnly: true,
    token: () => undefined,
    status: async () => ({ killSwitch: { active: false }, reviews: [{ id: 'rg-1' }, { id: 'rg-abc' }] }),
    command: async (c) => {
      sent.push(c);
      return `cmd-${sent.length}`;
    },
    ...over,
  };
}
const LOCAL = { contentType: 'application/json' };
const post = (path: string, body: unknown, authorization?: string): OperatorRequest => ({ method: 'POST', path, body: JSON.stringify(body), authorization, ...LOCAL });
const get = (path: string, extra: Partial<OperatorRequest> = {}): OperatorRequest => ({ method: 'GET', path, body: '', authorization: undefined, ...extra });

describe('operator routes', () => {
  it('leaves other paths to the ops server', async () => {
    expect(await operatorRoute(api(), get('/metrics'))).to.equal(undefined);
  });

  it('shows the execution state and the reviews waiting, or 503 when execution is not on this pod', async () => {
    expect(await operatorRoute(api(), get('/execution/reviews'))).to.deep.equal({ status: 200, body: [{ id: 'rg-1' }, { id: 'rg-abc' }] });
    const away = api({ status: async () => undefined });
    expect((await operatorRoute(away, get('/execution')))!.status).to.equal(503);
  });

  it('publishes a kill switch command and a review decision', async () => {
    const a = api();
    expect(await operatorRoute(a, post('/execution/kill-switch', { mode: 'activate', by: 'alice', reason: 'venue outage' }))).to.deep.equal({ status: 202, body: { accepted: true, commandId: 'cmd-1' } });
    expect((await operatorRoute(a, post('/execution/reviews/rg-abc/approve', { by: 'bob' })))!.status).to.equal(202);
    expect((await operatorRoute(a, post('/execution/reviews/rg-abc/reject', { by: 'bob', reason: 'too large' })))!.status).to.equal(202);
    expect(a.sent).to.deep.equal([
      { action: 'kill-switch', mode: 'activate', by: 'alice', reason: 'venue outage' },
      { action: 'review', clientOrderId: 'rg-abc', decision: 'approve', by: 'bob' },
      { action: 'review', clientOrderId: 'rg-abc', decision: 'reject', by: 'bob', reason: 'too large' },
    ]);
  });

  it('refuses bad requests with the reason, sending nothing', async () => {
    const a = api();
    const bad = async (req: OperatorRequest) => (await operatorRoute(a, req))!;
    expect(await bad(post('/execution/kill-switch', { mode: 'explode', by: 'alice', reason: 'x' }))).to.have.property('status', 400);
    expect((await bad(post('/execution/kill-switch', { mode: 'reset', by: '', reason: 'x' }))).body).to.deep.include({ error: 'invalid request' });
    expect(await bad({ method: 'POST', path: '/execution/kill-switch', body: '{not json', authorization: undefined, ...LOCAL })).to.deep.equal({ status: 400, body: { error: 'the body is not JSON' } });
    expect(await bad(post('/execution/reviews/rg-1/reject', { by: 'bob' }))).to.deep.equal({ status: 400, body: { error: 'a rejection needs a reason' } });
    expect((await bad(post('/execution/reviews/rg 1/approve', { by: 'bob' }))).status).to.equal(404);
    expect((await bad({ method: 'DELETE', path: '/execution', body: '', authorization: undefined, ...LOCAL })).status).to.equal(405);
    expect((await bad({ ...post('/execution/kill-switch', { mode: 'reset', by: 'alice', reason: 'x' }), contentType: 'text/plain' })).status).to.equal(415);
    expect(a.sent).to.deep.equal([]);
  });

  it('refuses web pages: requests with an Origin or from another site (Host names are the ops server\'s: ops-server-hosts.spec)', async () => {
    const a = api();
    const body = { mode: 'reset', by: 'x', reason: 'x' };
    expect((await operatorRoute(a, { ...post('/execution/kill-switch', body), origin: 'https://evil.example' }))!.status).to.equal(403);
    expect((await operatorRoute(a, { ...post('/execution/kill-switch', body), secFetchSite: 'cross-site' }))!.status).to.equal(403);
    expect((await operatorRoute(a, get('/execution', { secFetchSite: 'none' })))!.status).to.equal(200);
    expect(a.sent).to.deep.equal([]);
  });

  it('answers 404 to a review decision for an order that is not waiting for review, sending nothing', async () => {
    const a = api();
    for (const decision of ['approve', 'reject']) {
      const res = (await operatorRoute(a, post(`/execution/reviews/rg-unknown/${decision}`, { by: 'bob', reason: 'no' })))!;
      expect(res, decision).to.deep.equal({ status: 404, body: { error: 'no order rg-unknown is waiting for review' } });
    }
    expect(a.sent).to.deep.equal([]);
    const away = api({ status: async () => undefined });
    expect((await operatorRoute(away, post('/execution/reviews/rg-1/approve', { by: 'bob' })))!.status).to.equal(503);
    expect(away.sent).to.deep.equal([]);
  });

  it('answers 503 with the reason when a command cannot be given a time yet', async () => {
    const a = api({
      command: async () => {
        throw new OperatorUnavailableError('no event processed yet');
      },
    });
    expect(await operatorRoute(a, post('/execution/kill-switch', { mode: 'activate', by: 'alice', reason: 'drill' }))).to.deep.equal({ status: 503, body: { error: 'no event processed yet' } });
  });

  it('requires the bearer token when one is configured, and a token when not on loopback', async () => {
    const guarded = api({ token: () => 's3cret-token' });
    const body = { mode: 'activate', by: 'alice', reason: 'drill' };
    expect((await operatorRoute(guarded, post('/execution/kill-switch', body)))!.status).to.equal(401);
    expect((await operatorRoute(guarded, post('/execution/kill-switch', body, 'Bearer wrong')))!.status).to.equal(401);
    expect((await operatorRoute(guarded, post('/execution/kill-switch', body, 'Bearer s3cret-token')))!.status).to.equal(202);
    const exposed = api({ loopbackOnly: false });
    expect((await operatorRoute(exposed, post('/execution/kill-switch', body)))!.status).to.equal(403);
    expect((await operatorRoute(exposed, get('/execution')))!.status).to.equal(403);
    expect(exposed.sent).to.deep.equal([]);
    // Off loopback with a token: reads need it too.
    const remote = api({ loopbackOnly: false, token: () => 's3cret-token' });
    expect((await operatorRoute(remote, get('/execution')))!.status).to.equal(401);
    expect((await operatorRoute(remote, get('/execution', { authorization: 'Bearer s3cret-token' })))!.status).to.equal(200);
  });
});
