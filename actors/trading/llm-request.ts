// The piped work of the LLM path: asks the model about a rule-based candidate and turns whatever
// happens (an answer, an LlmFailure, any other error, an answer outside the contract) into an
// `llm.decision` record. It always resolves, so every request started ends up in the log.
import { LlmFailure, type LlmAction, type LlmClient, type LlmDecisionRequest, type MarketSummary } from '../../runtime/ports/llm.js';
import { llmDecisionSchema, type LlmDecisionRecord, type RecordedDecision, type SignalCandidate } from './events.js';

/**
 * Without word from execution the model may pick either side or hold: it sees the same evidence as
 * the rules and may disagree with their side. With an entry gate (execution.gate) it is offered only
 * the sides the safety checks would pass. Either way execution's checks decide every real order.
 */
export const ALLOWED_ACTIONS: readonly LlmAction[] = ['buy', 'sell', 'hold'];

export interface ModelQuestion {
  readonly requestId: string;
  readonly correlationId: string;
  readonly token: string;
  /** Event time of the tick the candidate was made at. */
  readonly ts: number;
  readonly candidate: SignalCandidate;
  readonly maxSize: number;
  /** Default ALLOWED_ACTIONS. */
  readonly allowedActions?: readonly LlmAction[];
}

export function decisionRequestOf(question: ModelQuestion): LlmDecisionRequest {
  const { candidate } = question;
  const summary: MarketSummary = {
    token: question.token,
    price: candidate.price,
    ts: question.ts,
    indicators: candidate.indicators,
    technicalScore: candidate.score,
  };
  return { requestId: question.requestId, correlationId: question.correlationId, summary, allowedActions: question.allowedActions ?? ALLOWED_ACTIONS, maxSize: question.maxSize };
}

/** Asks `client` and records the outcome; never rejects. `clock` (ms) only measures latency. */
export async function askModel(client: LlmClient, question: ModelQuestion, clock: () => number = () => performance.now()): Promise<LlmDecisionRecord> {
  const request = decisionRequestOf(question);
  const base = {
    requestId: question.requestId,
    model: nonEmpty(modelOf(client), 'unknown-model'),
    summary: { price: request.summary.price, ts: request.summary.ts, technicalScore: request.summary.technicalScore, indicators: request.summary.indicators },
    fallback: question.candidate,
  };
  const started = clock();
  const latency = (): number => Math.max(0, Math.round(clock() - started));
  try {
    const decision = checkDecision(await client.decide(request), request.allowedActions);
    return { ...base, outcome: 'ok', latencyMs: latency(), decision };
  } catch (error) {
    const failure = error instanceof LlmFailure ? error : new LlmFailure('unavailable', `LLM client failed: ${describe(error)}`, { cause: error });
    return { ...base, outcome: failure.kind, latencyMs: latency(), failure: nonEmpty(failure.message, failure.kind) };
  }
}

/** Holds any client to the port's contract, so a bad answer becomes a failure, not a bad record. */
function checkDecision(answer: unknown, allowed: readonly LlmAction[]): RecordedDecision {
  const parsed = llmDecisionSchema.safeParse(answer);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new LlmFailure('invalid-answer', `decision breaks the LlmClient contract: ${issues}`);
  }
  if (!allowed.includes(parsed.data.direction)) {
    throw new LlmFailure('disallowed-action', `decision chose ${parsed.data.direction}, not among [${allowed.join(', ')}]`);
  }
  return parsed.data;
}

function modelOf(client: LlmClient): string {
  return typeof client.model === 'string' ? client.model : '';
}

function nonEmpty(text: string, otherwise: string): string {
  return text.trim() === '' ? otherwise : text;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
