// Builds the LLM client for the trading path when it is enabled and a key is present
// (ANTHROPIC_API_KEY or ANTHROPIC_API_KEY_FILE); otherwise trading is rule-based only. The client is
// guarded by a circuit breaker, and the key is read on every request so a rotated file takes effect.
import type { Logger } from 'pino';
import { AnthropicLlmClient } from '../adapters/llm/anthropic-llm-client.js';
import { DeferredLlmClient } from '../adapters/llm/deferred-llm-client.js';
import { GuardedLlmClient } from '../adapters/llm/guarded-llm-client.js';
import { RecordedLlmClient } from '../adapters/llm/recorded-llm-client.js';
import type { EventStore } from '../runtime/ports/event-store.js';
import type { Config } from '../config/schema.js';
import { readSecret } from '../config/secrets.js';
import type { BreakerTransition } from '../runtime/kit/circuit-breaker.js';
import type { LlmClient } from '../runtime/ports/llm.js';

export const LLM_KEY = 'ANTHROPIC_API_KEY';

export interface ComposedLlm {
  readonly client?: LlmClient;
  /** Calls `listener` on every transition of the LLM's circuit breaker (for the audit log). */
  readonly onBreakerTransition: (listener: (transition: BreakerTransition, at: number) => void) => void;
  readonly release: () => Promise<void>;
}

export function composeLlm(config: Config, logger: Logger, env: NodeJS.ProcessEnv = process.env, eventStore?: EventStore): ComposedLlm {
  const log = logger.child({ component: 'llm' });
  const none: ComposedLlm = { onBreakerTransition: () => undefined, release: async () => undefined };
  if (!config.llm.enabled) return none;
  const replay = config.llm.replay;
  if (replay !== undefined) {
    if (replay === 'store' && !eventStore) throw new Error('llm.replay "store" needs the event store (store.kind postgres)');
    const load = replay === 'store' ? () => RecordedLlmClient.fromStore(eventStore!) : () => RecordedLlmClient.fromJsonl(replay);
    const client = new DeferredLlmClient('recorded', async () => {
      const recorded = await load();
      log.info({ replay, answers: recorded.size }, 'LLM answers replayed from the record; no model is called');
      return recorded;
    }, (err) => log.error({ err, replay }, 'recorded LLM answers could not be loaded; rule-based fallback'));
    return { client, onBreakerTransition: () => undefined, release: () => client.close() };
  }
  const key = readSecret(LLM_KEY, env, { onError: (err) => log.error({ err }, 'LLM key file problem; keeping the last good key') });
  if (!key) {
    log.info(`no ${LLM_KEY}: trading is rule-based only`);
    return none;
  }
  const inner = new AnthropicLlmClient({
    apiKey: () => key.value(),
    model: config.llm.model,
    ...(config.llm.baseUrl ? { baseURL: config.llm.baseUrl } : {}),
    timeoutMs: config.llm.timeoutMs,
    maxRequestsPerMinute: config.llm.maxRequestsPerMinute,
  });
  const client = new GuardedLlmClient(inner, { breaker: config.llm.breaker });
  client.onTransition((t) => log.warn({ breaker: 'llm', from: t.from, to: t.to, reason: t.reason, detail: t.detail }, 'LLM circuit breaker changed'));
  log.info({ model: config.llm.model, maxRequestsPerMinute: config.llm.maxRequestsPerMinute }, 'LLM trading path enabled');
  return {
    client,
    onBreakerTransition: (listener) => {
      client.onTransition(listener);
    },
    release: async () => {
      await client.close();
      key.close();
    },
  };
}
