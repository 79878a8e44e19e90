import { expect } from 'chai';
import { AnthropicLlmClient, type AnthropicLlmClientOptions } from '../../../adapters/llm/anthropic-llm-client.js';
import { LlmFailure, type LlmDecisionRequest, type LlmFailureKind } from '../../../runtime/ports/llm.js';
import { MessagesApiServer } from '../../support/messages-api-server.js';
import { waitFor } from '../../support/wait.js';

const KEY = 'sk-ant-test-0123456789abcdef';
const MODEL = 'claude-test-model';

const request = (over: Partial<LlmDecisionRequest> = {}): LlmDecisionRequest => ({
  requestId: 'llm-1',
  correlationId: 'corr-1',
  summary: {
    token: 'SOL',
    price: 101.234567,
    ts: 1_700_000_000_000,
    indicators: { rsi: 61.23456, sma: 99.87654 },
    technicalScore: 0.4321,
  },
  allowedActions: ['buy', 'sell', 'hold'],
  maxSize: 3,
  ...over,
});

const answer = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({ direction: 'buy', confidence: 0.7, sizeFraction: 0.5, reasoning: 'trend up', ...over });

async function failureOf(promise: Promise<unknown>): Promise<LlmFailure> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(LlmFailure);
    return error as LlmFailure;
  }
  expect.fail('expected decide() to reject with an LlmFailure');
}

async function expectFailure(promise: Promise<unknown>, kind: LlmFailureKind): Promise<LlmFailure> {
  const failure = await failureOf(promise);
  expect(failure.kind, failure.message).to.equal(kind);
  return failure;
}

describe('AnthropicLlmClient', () => {
  let server: MessagesApiServer;
  const clients: AnthropicLlmClient[] = [];

  const client = (over: Partial<AnthropicLlmClientOptions> = {}): AnthropicLlmClient => {
    const c = new AnthropicLlmClient({ apiKey: KEY, model: MODEL, baseURL: server.baseURL, timeoutMs: 2_000, maxRequestsPerMinute: 100, ...over });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    server = await MessagesApiServer.start();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await server.close();
  });

  it('returns the validated decision from a well-formed answer', async () => {
    server.enqueue({ text: answer() });
    const llm = client();
    expect(await llm.decide(request())).to.deep.equal({ direction: 'buy', confidence: 0.7, sizeFraction: 0.5, reasoning: 'trend up' });
    expect(llm.counters).to.deep.include({ requests: 1, apiCalls: 1, ok: 1 });
  });

  it('sends the configured model, max_tokens, the prompt, and the key', async () => {
    const llm = client({ maxTokens: 123 });
    await llm.decide(request());
    expect(server.requests).to.have.length(1);
    const seen = server.requests[0]!;
    expect(seen).to.include({ method: 'POST', path: '/v1/messages', apiKey: KEY });
    // @anthropic-ai/sdk 1.x sends the API key as a Bearer token (0.x sent it as x-api-key).
    expect(seen.headers.authorization).to.equal(`Bearer ${KEY}`);
    expect(seen.headers['anthropic-version']).to.be.a('string');
    const body = seen.body as { model: string; max_tokens: number; system: string; messages: { role: string; content: string }[] };
    expect(body).to.include({ model: MODEL, max_tokens: 123 });
    expect(body.system).to.match(/ONLY a JSON object/);
    expect(body.messages).to.have.length(1);
    expect(body.messages[0]!.role).to.equal('user');
    expect(body.messages[0]!.content).to.include('Token: SOL').and.include('Price: 101.23 ').and.include('rsi=61.235');
  });

  it('uses maxTokens 300 by default', async () => {
    await client().decide(request());
    expect((server.requests[0]!.body as { max_tokens: number }).max_tokens).to.equal(300);
  });

  it('parses an answer wrapped in prose and a ```json fence', async () => {
    server.enqueue({ text: `Here is my decision:\n\`\`\`json\n${answer({ direction: 'sell' })}\n\`\`\`\nGood luck.` });
    expect((await client().decide(request())).direction).to.equal('sell');
  });

  it('rejects a malformed answer as invalid-answer', async () => {
    server.enqueue({ text: '{"direction": "buy", "confidence": 0.7,' });
    const llm = client();
    await expectFailure(llm.decide(request()), 'invalid-answer');
    expect(llm.counters.failures['invalid-answer']).to.equal(1);
  });

  it('rejects answers that break the schema (confidence 1.5, missing reasoning) as invalid-answer', async () => {
    const { reasoning: _, ...noReasoning } = JSON.parse(answer()) as Record<string, unknown>;
    server.enqueue({ text: answer({ confidence: 1.5 }) }, { text: JSON.stringify(noReasoning) });
    const llm = client();
    expect((await expectFailure(llm.decide(request()), 'invalid-answer')).message).to.match(/confidence/);
    expect((await expectFailure(llm.decide(request()), 'invalid-answer')).message).to.match(/reasoning/);
  });

  it('rejects a direction that was not offered as disallowed-action', async () => {
    server.enqueue({ text: answer({ direction: 'buy' }) });
    await expectFailure(client().decide(request({ allowedActions: ['sell', 'hold'] })), 'disallowed-action');
  });

  it('gives up on a slow answer with timeout, long before the server would answer', async () => {
    server.enqueue({ text: answer(), delayMs: 10_000 });
    const llm = client({ timeoutMs: 150 });
    const started = Date.now();
    await expectFailure(llm.decide(request()), 'timeout');
    const elapsed = Date.now() - started;
    expect(elapsed, `rejected after ${elapsed} ms`).to.be.below(2_000);
    expect(elapsed).to.be.at.least(140);
    expect(llm.counters.failures.timeout).to.equal(1);
  });

  for (const status of [500, 529, 429]) {
    it(`maps HTTP ${status} to http-error naming the status, without the key`, async () => {
      server.enqueue({ status });
      const llm = client();
      const failure = await expectFailure(llm.decide(request()), 'http-error');
      expect(failure.message).to.include(String(status));
      expect(failure.message).not.to.include(KEY);
      expect(server.requests, 'no SDK retries').to.have.length(1);
    });
  }

  it('does not leak the key even when the error message echoes it', async () => {
    server.enqueue({ status: 401, errorMessage: `invalid x-api-key ${KEY}` });
    const failure = await expectFailure(client().decide(request()), 'http-error');
    expect(failure.message).to.include('401').and.include('authentication_error');
    expect(failure.message).not.to.include(KEY);
  });

  it('maps a dropped connection to unavailable', async () => {
    server.enqueue({ destroy: true });
    const failure = await expectFailure(client().decide(request()), 'unavailable');
    expect(failure.message).to.match(/^cannot reach http:\/\/127\.0\.0\.1:\d+/);
  });

  it('maps a refused connection to unavailable', async () => {
    const llm = client();
    await server.close();
    const failure = await expectFailure(llm.decide(request()), 'unavailable');
    expect(failure.message).to.include(server.baseURL).and.include('ECONNREFUSED');
  });

  it('rejects the (N+1)th request in a minute with budget-exhausted without calling the API', async () => {
    let now = 0;
    const llm = client({ maxRequestsPerMinute: 3, now: () => now });
    for (let i = 0; i < 3; i++) await llm.decide(request());
    await expectFailure(llm.decide(request()), 'budget-exhausted');
    expect(server.requests).to.have.length(3);
    expect(llm.counters).to.deep.include({ requests: 4, apiCalls: 3, ok: 3 });
    expect(llm.counters.failures['budget-exhausted']).to.equal(1);
    now = 60_000;
    await llm.decide(request());
    expect(server.requests).to.have.length(4);
  });

  it('sends the new key once the key getter returns a rotated one', async () => {
    let key = KEY;
    const llm = client({ apiKey: () => key });
    await llm.decide(request());
    key = 'sk-ant-rotated-key';
    await llm.decide(request());
    expect(server.requests.map((r) => r.apiKey)).to.deep.equal([KEY, 'sk-ant-rotated-key']);
  });

  it('rejects with unavailable, sending nothing, when the key is empty', async () => {
    await expectFailure(client({ apiKey: () => '' }).decide(request()), 'unavailable');
    expect(server.requests).to.have.length(0);
  });

  it('aborts requests in flight on close and refuses new ones', async () => {
    server.enqueue({ text: answer(), delayMs: 10_000 });
    const llm = client();
    const pending = llm.decide(request());
    await waitFor('the request to reach the server', () => server.requests.length > 0);
    await llm.close();
    await expectFailure(pending, 'unavailable');
    await expectFailure(llm.decide(request()), 'unavailable');
  });

  it('validates its options', () => {
    expect(() => client({ timeoutMs: 0 })).to.throw(RangeError, /timeoutMs/);
    expect(() => client({ maxTokens: 0 })).to.throw(RangeError, /maxTokens/);
    expect(() => client({ maxRequestsPerMinute: 0 })).to.throw(RangeError, /maxRequests/);
    expect(() => client({ model: '' })).to.throw(TypeError, /model/);
  });
});
