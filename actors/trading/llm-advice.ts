// The LLM path's bookkeeping, pure: the one request in flight per token, when it counts as lost,
// and what a recorded answer means for the candidate it was asked about (a model signal, a hold, or
// the rule-based fallback). Every request ends in exactly one of decisions, holds, fallbacks or
// abandoned, so requests = decisions + holds + fallbacks + abandoned + (1 if one is pending).
import type { LlmDecisionRecord, SignalCandidate, SignalData } from './events.js';

export interface LlmPending {
  readonly requestId: string;
  /** Event time of the tick the request was made at. */
  readonly since: number;
  readonly candidate: SignalCandidate;
}

/** The last candidate side the model declined, so the same side is not asked again every tick. */
export interface LlmHold {
  readonly side: 'buy' | 'sell';
  readonly ts: number;
}

export interface LlmCounters {
  /** Requests started. */
  readonly requests: number;
  /** Answers to trade (buy/sell at or above minConfidence with a size), published if still fresh. */
  readonly decisions: number;
  /** Failed requests whose rule-based candidate was used instead. */
  readonly fallbacks: number;
  /** Answers that declined: hold, confidence below minConfidence, or sizeFraction 0. */
  readonly holds: number;
  /** Records matching no pending request: late, duplicate, or for an abandoned request. */
  readonly ignored: number;
  /** Pending requests given up after the deadline (lost in a crash). */
  readonly abandoned: number;
}

export const NO_LLM_ACTIVITY: LlmCounters = { requests: 0, decisions: 0, fallbacks: 0, holds: 0, ignored: 0, abandoned: 0 };

/** Longest model reasoning copied into a signal's reason. */
export const MAX_LLM_REASON_CHARS = 300;

/** One request per tick at most, so the tick's id names it; a replay derives the same id. */
export function llmRequestId(tickId: string): string {
  return `llm-${tickId}`;
}

/**
 * How long (event time) a request may stay pending: the client gives up after its timeout, so an
 * answer later than twice that plus a second means the process died with the request in flight.
 */
export function pendingDeadlineMs(timeoutMs: number): number {
  return 2 * timeoutMs + 1000;
}

/** `deadlineMs` of event time after its tick, a pending request is given up (the caller picks the deadline). */
export function isAbandoned(pending: LlmPending, now: number, deadlineMs: number): boolean {
  return now - pending.since > deadlineMs;
}

/** Does a declined side still hold back a candidate of that side at `now`? */
export function heldBack(hold: LlmHold | null | undefined, side: 'buy' | 'sell', now: number, cooldownMs: number): boolean {
  return hold !== null && hold !== undefined && hold.side === side && now - hold.ts < cooldownMs;
}

export type Advice =
  | { readonly kind: 'trade'; readonly signal: SignalData }
  | { readonly kind: 'hold'; readonly why: string }
  | { readonly kind: 'fallback'; readonly signal: SignalData; readonly failure: string };

/** What a recorded answer to `pending` asks the actor to do. */
export function adviceFrom(record: LlmDecisionRecord, pending: LlmPending, minConfidence: number): Advice {
  const { candidate } = pending;
  if (record.outcome !== 'ok') {
    return { kind: 'fallback', signal: { ...candidate, origin: 'rules' }, failure: `${record.outcome}: ${record.failure}` };
  }
  const { direction, confidence, sizeFraction, reasoning } = record.decision;
  if (direction === 'hold') return { kind: 'hold', why: 'the model chose hold' };
  if (confidence < minConfidence) return { kind: 'hold', why: `confidence ${confidence} below ${minConfidence}` };
  if (!(sizeFraction > 0)) return { kind: 'hold', why: 'the model asked for size 0' };
  return {
    kind: 'trade',
    signal: {
      side: direction,
      score: candidate.score,
      confidence,
      price: candidate.price,
      indicators: candidate.indicators,
      reason: truncate(reasoning, MAX_LLM_REASON_CHARS),
      ...(candidate.returns !== undefined ? { returns: candidate.returns } : {}),
      origin: 'llm',
      sizeFraction,
    },
  };
}

function truncate(text: string, max: number): string {
  const flat = text.trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
