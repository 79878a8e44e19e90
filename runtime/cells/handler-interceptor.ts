// An interceptor wraps the handler of every actor the registry creates (the fault injector, when
// chaos is configured). The wrapped handler runs for live events and replays alike (ctx.replaying
// tells them apart); `kill` asks the cell to vanish right after the event in hand is applied.
import type { AgentDefinition } from '../agent/agent.js';

export interface HandlerInterceptor {
  wrap<S>(agent: AgentDefinition<S>, actorId: string, kill: (why: string) => void): AgentDefinition<S>['handle'];
}
