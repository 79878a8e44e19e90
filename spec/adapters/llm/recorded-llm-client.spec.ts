import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeedLineError } from '../../../adapters/shared/line-error.js';
import { RecordedLlmClient } from '../../../adapters/llm/recorded-llm-client.js';
import type { Envelope } from '../../../runtime/events/envelope.js';
import { DecodeError } from '../../../runtime/events/event-types.js';
import { LlmFailure, type LlmDecisionRequest } from '../../../runtime/ports/llm.js';

const fallback = { side: 'buy', score: 0.5, confidence: 0.5, price: 100, indicators: { sma: 99 }, reason: 'buy: score 0.500' };
const base = { model: 'claude-test', latencyMs: 5, summary: { price: 100, ts: 1000, technicalScore: 0.5, indicators: { sma: 99 } }, fallback };
const decisionEnvelope = (id: string, data: Record<string, unknown>): Envelope => ({
  id,
  type: 'llm.decision',
  ts: 1000,
  token: 'SOL',
  source: 'trading',
  correlationId: 'c',
  data: { ...base, ...data },
});
const ok = (requestId: string, direction = 'buy') =>
  decisionEnvelope(`e-${requestId}-${direction}`, { requestId, outcome: 'ok', decision: { direction, confidence: 0.7, sizeFraction: 0.4, reasoning: 'because' } });
const failed = (requestId: string, outcome: string) => decisionEnvelope(`e-${requestId}`, { requestId, outcome, failure: `${outcome} happened` });
const tick: Envelope = { id: 't1', type: 'price.tick', ts: 1000, token: 'SOL', source: 'feed', correlationId: 't1', data: { price: 100, volume: 0 } };

const request = (requestId: string): LlmDecisionRequest => ({
  requestId,
  correlationId: 'c',
  summary: { token: 'SOL', price: 100, ts: 1000, indicators: {}, technicalScore: 0.5 },
  allowedActions: ['buy', 'sell', 'hold'],
  maxSize: 1,
});

async function rejection(promise: Promise<unknown>): Promise<LlmFailure> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(LlmFailure);
    return error as LlmFailure;
  }
  expect.fail('expected a rejection');
}

describe('RecordedLlmClient', () => {
  it('answers each request id with its recorded decision, skipping other event types', async () => {
    const client = new RecordedLlmClient([tick, ok('r1'), ok('r2', 'sell')]);
    expect(client.model).to.equal('claude-test');
    expect(client.size).to.equal(2);
    expect(await client.decide(request('r1'))).to.deep.equal({ direction: 'buy', confidence: 0.7, sizeFraction: 0.4, reasoning: 'because' });
    expect((await client.decide(request('r2'))).direction).to.equal('sell');
  });

  it('rejects with the recorded failure kind and message', async () => {
    const client = new RecordedLlmClient([failed('r1', 'timeout'), failed('r2', 'budget-exhausted')]);
    expect(await rejection(client.decide(request('r1')))).to.include({ kind: 'timeout', message: 'timeout happened' });
    expect((await rejection(client.decide(request('r2')))).kind).to.equal('budget-exhausted');
  });

  it('rejects unavailable for an id with no recording, and after close', async () => {
    const client = new RecordedLlmClient([ok('r1')], { model: 'replay' });
    expect(client.model).to.equal('replay');
    expect(await rejection(client.decide(request('r9')))).to.include({ kind: 'unavailable', message: 'no recorded answer for r9' });
    await client.close();
    expect((await rejection(client.decide(request('r1')))).kind).to.equal('unavailable');
  });

  it('keeps the first record of a request id, the one the live actor applied', async () => {
    const client = new RecordedLlmClient([ok('r1', 'sell'), ok('r1', 'buy')]);
    expect((await client.decide(request('r1'))).direction).to.equal('sell');
  });

  it('refuses an invalid llm.decision record with a DecodeError naming the event', () => {
    const bad = decisionEnvelope('bad-1', { requestId: 'r1', outcome: 'ok' });
    expect(() => new RecordedLlmClient([bad])).to.throw(DecodeError, /llm\.decision bad-1: decision/);
  });

  describe('from a JSON-lines file', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'regent-recorded-llm-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reads the recorded envelopes', async () => {
      const path = join(dir, 'decisions.jsonl');
      await writeFile(path, [tick, ok('r1'), failed('r2', 'http-error')].map((e) => JSON.stringify(e)).join('\n') + '\n\n');
      const client = await RecordedLlmClient.fromJsonl(path);
      expect(client.size).to.equal(2);
      expect(client.has('r1') && client.has('r2')).to.equal(true);
      expect((await rejection(client.decide(request('r2')))).kind).to.equal('http-error');
    });

    it('names the file and line of a bad line', async () => {
      const path = join(dir, 'bad.jsonl');
      const cases: [string, RegExp][] = [
        ['{not json', /bad\.jsonl:2: not JSON/],
        [JSON.stringify({ type: 'llm.decision' }), /bad\.jsonl:2: not an event envelope/],
        [JSON.stringify(decisionEnvelope('bad-2', { requestId: 'r2', outcome: 'later' })), /bad\.jsonl:2: invalid-data: llm\.decision bad-2/],
      ];
      for (const [line, message] of cases) {
        await writeFile(path, `${JSON.stringify(ok('r1'))}\n${line}\n`);
        const error = await RecordedLlmClient.fromJsonl(path).then(
          () => expect.fail('expected fromJsonl to reject'),
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(FeedLineError);
        expect((error as FeedLineError).line).to.equal(2);
        expect((error as Error).message).to.match(message);
      }
    });
  });
});
