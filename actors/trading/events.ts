// Trading signals: the trading actor's decision for a token, with the evidence behind it; and the
// record of every LLM request it made, so a replay applies the same answers instead of asking again.
import { z } from 'zod';
import { defineEvent, type EnvelopeOf } from '../../runtime/events/event-types.js';
import type { LlmFailureKind } from '../../runtime/ports/llm.js';
import { SIGNAL_RETURNS } from './volatility.js';

const side = z.enum(['buy', 'sell']);
const unit = z.number().min(0).max(1);

/** The fields of a rule-based decision: a signal before it is published. */
const candidateFields = {
  side,
  /** Weighted technical score in [-1, 1]; positive is bullish. */
  score: z.number().min(-1).max(1),
  confidence: unit,
  /** The tick price the decision was made at; fills measure slippage against it. */
  price: z.number().positive().finite(),
  /** Flat indicator values, `volatility` (stdev of log returns of the kept closes) included. */
  indicators: z.record(z.string(), z.number().finite()),
  reason: z.string(),
  /** The last (up to 20) log returns of closes, oldest first, for execution's correlation check. */
  returns: z.array(z.number().finite()).max(SIGNAL_RETURNS).optional(),
};

export const Signal = defineEvent(
  'signal',
  'signal.generated',
  z.object({
    ...candidateFields,
    /** Who decided: the technical rules, or the model they consulted. Absent on older signals (rules). */
    origin: z.enum(['rules', 'llm']).optional(),
    /** Execution multiplies its entry size by this; absent = 1. */
    sizeFraction: z.number().gt(0).max(1).optional(),
  }),
);
export type SignalEvent = EnvelopeOf<typeof Signal>;
export type SignalData = SignalEvent['data'];

export const signalCandidateSchema = z.strictObject(candidateFields);
/** The rule-based signal the trading actor would have published; the LLM path's fallback. */
export type SignalCandidate = z.output<typeof signalCandidateSchema>;

// A Record over the union makes the compiler insist that every failure kind is listed.
const failureKindSet: Readonly<Record<LlmFailureKind, true>> = {
  timeout: true,
  'invalid-answer': true,
  'disallowed-action': true,
  'http-error': true,
  'budget-exhausted': true,
  unavailable: true,
};
export const LLM_FAILURE_KINDS = Object.keys(failureKindSet) as [LlmFailureKind, ...LlmFailureKind[]];

export const llmDecisionSchema = z.strictObject({
  direction: z.enum(['buy', 'sell', 'hold']),
  confidence: unit,
  sizeFraction: unit,
  reasoning: z.string(),
});
export type RecordedDecision = z.output<typeof llmDecisionSchema>;

const recordFields = {
  requestId: z.string().min(1),
  model: z.string().min(1),
  /** Wall-clock time the request took (informational: replays never read it). */
  latencyMs: z.number().nonnegative().finite(),
  /** What the model was shown. */
  summary: z.strictObject({
    price: z.number().positive().finite(),
    ts: z.number().int().nonnegative(),
    technicalScore: z.number().min(-1).max(1),
    indicators: z.record(z.string(), z.number().finite()),
  }),
  fallback: signalCandidateSchema,
};

/**
 * One LLM request and how it ended: `ok` with the model's decision, or a failure kind with its
 * message (and no decision). Published through the log by the trading actor's piped work.
 */
export const LlmDecisionRecorded = defineEvent(
  'llm.decision',
  'llm.decisions',
  z.discriminatedUnion('outcome', [
    z.strictObject({ ...recordFields, outcome: z.literal('ok'), decision: llmDecisionSchema }),
    z.strictObject({ ...recordFields, outcome: z.enum(LLM_FAILURE_KINDS), failure: z.string().min(1) }),
  ]),
);
export type LlmDecisionRecordedEvent = EnvelopeOf<typeof LlmDecisionRecorded>;
export type LlmDecisionRecord = LlmDecisionRecordedEvent['data'];
