// The LlmClient port: asks a model for a trading decision on a compact market summary. The model
// only chooses among the actions it is offered and a fraction of the maximum size it is given; the
// execution safety checks still decide whether any order is sent.

export type LlmAction = 'buy' | 'sell' | 'hold';

export interface MarketSummary {
  readonly token: string;
  /** The tick price the request was made at. */
  readonly price: number;
  readonly ts: number;
  /** Flat indicator values (sma, ema, rsi, macd, bb*, volatility...). */
  readonly indicators: Readonly<Record<string, number>>;
  /** The rule-based technical score in [-1, 1]. */
  readonly technicalScore: number;
  /** Signed position size held, when known. */
  readonly position?: number;
  /** Latest sentiment score in [-1, 1], when known. */
  readonly sentiment?: number;
}

export interface LlmDecisionRequest {
  /** Deterministic id of this request (recorded with the answer). */
  readonly requestId: string;
  readonly correlationId: string;
  readonly summary: MarketSummary;
  /** The actions the model may choose from (always includes 'hold'). */
  readonly allowedActions: readonly LlmAction[];
  /** Largest order size (in tokens) the model may ask for; it answers a fraction of it. */
  readonly maxSize: number;
}

export interface LlmDecision {
  readonly direction: LlmAction;
  /** In [0, 1]. */
  readonly confidence: number;
  /** Fraction of maxSize in [0, 1]. */
  readonly sizeFraction: number;
  readonly reasoning: string;
}

export type LlmFailureKind = 'timeout' | 'invalid-answer' | 'disallowed-action' | 'http-error' | 'budget-exhausted' | 'unavailable';

/** A request that produced no usable decision; the caller falls back to the rule-based signal. */
export class LlmFailure extends Error {
  override readonly name = 'LlmFailure';
  constructor(
    readonly kind: LlmFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface LlmClient {
  /** Model name, recorded with every decision. */
  readonly model: string;
  /** Resolves with a validated decision or rejects with an LlmFailure; never waits longer than its timeout. */
  decide(request: LlmDecisionRequest): Promise<LlmDecision>;
  close(): Promise<void>;
}
