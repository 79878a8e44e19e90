// End to end: the trading actor with the real AnthropicLlmClient against the local Messages API
// server. The handler is driven directly, so the piped request runs while later ticks are handled.
import { expect } from 'chai';
import { AnthropicLlmClient } from '../../../adapters/llm/anthropic-llm-client.js';
import { GuardedLlmClient } from '../../../adapters/llm/guarded-llm-client.js';
import { PriceTick } from '../../../actors/market/events.js';
import { tradingAgent, type TradingState } from '../../../actors/trading/agent.js';
import { LlmDecisionRecorded, Signal, type LlmDecisionRecord } from '../../../actors/trading/events.js';
import { defaultConfig, type Config } from '../../../config/schema.js';
import type { AgentDefinition } from '../../../runtime/agent/agent.js';
import { createAgentContext, type PipedTask } from '../../../runtime/agent/agent-context.js';
import type { Envelope } from '../../../runtime/events/envelope.js';
import { silentLogger } from '../../../runtime/ports/logger.js';
import type { LlmClient } from '../../../runtime/ports/llm.js';
import { runAgent, scriptedEvent } from '../../../runtime/agent/test-kit.js';
import { MessagesApiServer } from '../../support/messages-api-server.js';
import { waitFor } from '../../support/wait.js';

const KEY = 'sk-ant-test-e2e';
const MODEL = 'claude-test-model';
const T0 = Date.UTC(2026, 0, 1);
const settings = (): Config['trading'] => ({ ...defaultConfig().trading, weights: { sma: 1, ema: 1, macd: 1, rsi: 0, bollinger: 0 }, cooldownMs: 10_000 });
const prices = Array.from({ length: 40 }, (_, i) => 100 * 1.01 ** i);
const ticks = prices.map((price, i) => scriptedEvent(PriceTick, { price, volume: 0 }, { ts: T0 + i * 1000, token: 'SOL', id: `e2e-tick-${i}` }));
const answer = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({ direction: 'buy', confidence: 0.8, sizeFraction: 0.4, reasoning: 'steady uptrend', ...over });

interface Handled {
  readonly state: TradingState;
  readonly emitted: Envelope[];
  readonly tasks: PipedTask[];
}

/** One event through the handler, as the runtime does it: emits buffered, piped work handed back unstarted. */
async function handle(agent: AgentDefinition<TradingState>, state: TradingState, event: Envelope): Promise<Handled> {
  const emitted: Envelope[] = [];
  const tasks: PipedTask[] = [];
  const ctx = createAgentContext('trading:SOL', 'SOL', 'trading', event, emitted, silentLogger, false, tasks);
  return { state: await agent.handle(state, event, ctx), emitted, tasks };
}

/** Ticks 0..33: warmed up, and tick 33 has a buy candidate, so exactly one request is piped. */
async function upToFirstRequest(agent: AgentDefinition<TradingState>): Promise<{ state: TradingState; task: PipedTask }> {
  let state = agent.initialState('SOL');
  const tasks: PipedTask[] = [];
  for (const tick of ticks.slice(0, 34)) {
    const step = await handle(agent, state, tick);
    expect(step.emitted).to.have.length(0);
    tasks.push(...step.tasks);
    state = step.state;
  }
  expect(tasks).to.have.length(1);
  return { state, task: tasks[0]! };
}

describe('trading agent with the Anthropic client (local Messages API)', () => {
  let server: MessagesApiServer;
  const clients: LlmClient[] = [];

  const agentWith = (client: LlmClient, timeoutMs: number) => {
    clients.push(client);
    return tradingAgent(settings(), { client, minConfidence: 0.6, maxNotional: 300, timeoutMs });
  };
  const anthropic = (timeoutMs: number) =>
    new AnthropicLlmClient({ apiKey: KEY, model: MODEL, baseURL: server.baseURL, timeoutMs, maxRequestsPerMinute: 100 });

  beforeEach(async () => {
    server = await MessagesApiServer.start();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await server.close();
  });

  it('handles later ticks while the model is still answering, then publishes its signal', async () => {
    server.enqueue({ text: answer(), delayMs: 1_500 });
    const agent = agentWith(anthropic(10_000), 10_000);
    const first = await upToFirstRequest(agent);
    let state = first.state;

    let settled = false;
    const piped = first.task().finally(() => (settled = true));
    await waitFor('the request to reach the Messages API', () => server.requests.length === 1);
    for (const tick of ticks.slice(34)) {
      const step = await handle(agent, state, tick);
      expect(step.emitted, 'nothing published while the request is pending').to.have.length(0);
      expect(step.tasks, 'no second request').to.have.length(0);
      state = step.state;
    }
    expect(settled, 'the answer is still being delayed').to.equal(false);
    expect(state.closes).to.have.length(40);
    expect(state.llmPending).to.include({ requestId: 'llm-e2e-tick-33' });

    const decision = (await piped) as Envelope<'llm.decision', LlmDecisionRecord>;
    expect(decision).to.include({ type: LlmDecisionRecorded.type, token: 'SOL', ts: T0 + 33_000, causationId: 'e2e-tick-33' });
    expect(decision.data).to.include({ outcome: 'ok', model: MODEL, requestId: 'llm-e2e-tick-33' });
    expect(decision.data.latencyMs).to.be.at.least(1_400);
    const body = server.requests[0]!.body as { messages: { content: string }[] };
    // maxNotional 300 at the request's price 138.87 is a size of 2.1603 SOL (5 significant figures).
    expect(body.messages[0]!.content).to.include('Token: SOL').and.include('Max size: 2.1603 SOL');

    const applied = await handle(agent, state, decision);
    expect(applied.emitted).to.have.length(1);
    const signal = applied.emitted[0]! as Envelope<'signal', any>;
    expect(signal.type).to.equal(Signal.type);
    expect(signal.data).to.include({ side: 'buy', origin: 'llm', sizeFraction: 0.4, confidence: 0.8, price: prices[33], reason: 'steady uptrend' });
    expect(applied.state.llmPending).to.equal(null);
  });

  it('falls back to the rule-based signal when the answer is malformed', async () => {
    server.enqueue({ text: 'I would buy here, the trend looks strong.' });
    const agent = agentWith(anthropic(5_000), 5_000);
    const { state, task } = await upToFirstRequest(agent);
    const decision = (await task()) as Envelope<'llm.decision', LlmDecisionRecord>;
    expect(decision.data.outcome).to.equal('invalid-answer');
    expect(decision.data).to.have.property('failure').that.match(/no JSON object/);

    const rulesOnly = (await runAgent(tradingAgent(settings()), ticks.slice(0, 34))).ofType(Signal.type);
    const applied = await handle(agent, state, decision);
    expect(applied.emitted.map((e) => e.data)).to.deep.equal(rulesOnly.map((e) => e.data));
    expect(applied.state.llm).to.include({ fallbacks: 1 });
  });

  it('falls back when the model does not answer within the timeout', async () => {
    server.enqueue({ text: answer(), delayMs: 10_000 });
    const agent = agentWith(anthropic(200), 200);
    const { state, task } = await upToFirstRequest(agent);
    const decision = (await task()) as Envelope<'llm.decision', LlmDecisionRecord>;
    expect(decision.data.outcome).to.equal('timeout');
    const applied = await handle(agent, state, decision);
    expect(applied.emitted.map((e) => (e.data as { origin: string }).origin)).to.deep.equal(['rules']);
  });

  it('with the breaker open, stops calling a failing API and falls back at once', async () => {
    server.enqueue({ status: 529 }, { status: 529 });
    const guarded = new GuardedLlmClient(anthropic(5_000), { breaker: { failureThreshold: 2, windowMs: 60_000, openMs: 60_000 } });
    const agent = agentWith(guarded, 5_000);
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { task } = await upToFirstRequest(agent);
      const decision = (await task()) as Envelope<'llm.decision', LlmDecisionRecord>;
      outcomes.push(decision.data.outcome === 'ok' ? 'ok' : `${decision.data.outcome}: ${decision.data.failure.slice(0, 12)}`);
    }
    expect(outcomes).to.deep.equal(['http-error: Messages API', 'http-error: Messages API', 'unavailable: circuit open']);
    expect(server.requests).to.have.length(2);
    expect(guarded.breakerStatus()).to.equal('open');
  });
});
