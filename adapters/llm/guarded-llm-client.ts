// An LlmClient decorator with a circuit breaker (the pure state machine of
// actors/execution/circuit-breaker.ts): when the model's service keeps timing out, erroring or
// being unreachable, requests are refused at once for a while instead of each waiting out its
// timeout, and the caller falls back to the rule-based signal straight away. Answers the service
// did give (even invalid ones) and a spent request budget say nothing about its health and never trip it.
import {
  breakerAllows,
  breakerPeek,
  initialBreakerState,
  recordFailure,
  recordSuccess,
  type BreakerConfig,
  type BreakerState,
  type BreakerStatus,
  type BreakerTransition,
} from '../../runtime/kit/circuit-breaker.js';
import { LlmFailure, type LlmClient, type LlmDecision, type LlmDecisionRequest, type LlmFailureKind } from '../../runtime/ports/llm.js';

export interface GuardedLlmClientOptions {
  readonly breaker: BreakerConfig;
  /** Wall-clock milliseconds; injectable so specs can move time. */
  readonly now?: () => number;
}

export type BreakerListener = (transition: BreakerTransition, at: number) => void;

/** Failure kinds that say the service is unhealthy. */
export const TRIPPING_FAILURES: ReadonlySet<LlmFailureKind> = new Set<LlmFailureKind>(['timeout', 'http-error', 'unavailable']);

export class GuardedLlmClient implements LlmClient {
  readonly model: string;
  private readonly config: BreakerConfig;
  private readonly now: () => number;
  private state: BreakerState = initialBreakerState();
  private readonly listeners = new Set<BreakerListener>();

  constructor(
    private readonly inner: LlmClient,
    options: GuardedLlmClientOptions,
  ) {
    this.model = inner.model;
    this.config = options.breaker;
    this.now = options.now ?? Date.now;
    breakerPeek(this.state, this.now(), this.config); // a bad breaker config fails here, not on the first request
  }

  breakerStatus(): BreakerStatus {
    return this.state.status;
  }

  /** Calls `listener` on every breaker transition; returns the unsubscribe function. */
  onTransition(listener: BreakerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async decide(request: LlmDecisionRequest): Promise<LlmDecision> {
    const gate = breakerAllows(this.state, this.now(), this.config);
    this.update(gate.state, gate.transition);
    if (!gate.allowed) {
      throw new LlmFailure('unavailable', `circuit open for ${this.model} (${gate.reason}): ${gate.detail}; retry in ${gate.retryAfterMs} ms`);
    }
    const probe = gate.reason === 'probe';
    let decision: LlmDecision;
    try {
      decision = await this.inner.decide(request);
    } catch (error) {
      const failure = error instanceof LlmFailure ? error : new LlmFailure('unavailable', `LLM client failed: ${describe(error)}`, { cause: error });
      this.settleFailure(failure, probe);
      throw failure;
    }
    const done = recordSuccess(this.state, this.now());
    this.update(done.state, done.transition);
    return decision;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private settleFailure(failure: LlmFailure, probe: boolean): void {
    if (TRIPPING_FAILURES.has(failure.kind)) {
      const update = recordFailure(this.state, this.now(), this.config);
      this.update(update.state, update.transition);
    } else if (failure.kind === 'budget-exhausted') {
      // Nothing was sent, so a probe learned nothing: free the probe slot for the next request.
      if (probe && this.state.status === 'half-open') this.update({ ...this.state, probeInFlight: false });
    } else {
      // The service answered (badly): it is up.
      const update = recordSuccess(this.state, this.now());
      this.update(update.state, update.transition);
    }
  }

  private update(state: BreakerState, transition?: BreakerTransition): void {
    this.state = state;
    if (!transition) return;
    const at = this.now();
    for (const listener of this.listeners) {
      try {
        listener(transition, at);
      } catch {
        // A broken listener (a log sink) must not turn into a failed decision.
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
