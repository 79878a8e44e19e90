// An LlmClient whose real client is still being made (e.g. recorded answers loading from the event
// store at start-up): requests wait for it. If it cannot be made, every request fails 'unavailable'
// with the reason, which the trading actor treats like any failed request (the rule-based fallback).
import { LlmFailure, type LlmClient, type LlmDecision, type LlmDecisionRequest } from '../../runtime/ports/llm.js';

export class DeferredLlmClient implements LlmClient {
  private readonly ready: Promise<LlmClient>;

  constructor(
    readonly model: string,
    make: () => Promise<LlmClient>,
    onFailed: (error: unknown) => void = () => undefined,
  ) {
    this.ready = make();
    this.ready.catch(onFailed);
  }

  async decide(request: LlmDecisionRequest): Promise<LlmDecision> {
    let client: LlmClient;
    try {
      client = await this.ready;
    } catch (error) {
      throw new LlmFailure('unavailable', `the LLM client could not be made: ${(error as Error).message}`);
    }
    return client.decide(request);
  }

  async close(): Promise<void> {
    const client = await this.ready.catch(() => undefined);
    await client?.close();
  }
}
