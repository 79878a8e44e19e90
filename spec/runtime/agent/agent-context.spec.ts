import { expect } from 'chai';
import { z } from 'zod';
import { createAgentContext } from '../../../runtime/agent/agent-context.js';
import { defineEvent } from '../../../runtime/events/event-types.js';
import type { Envelope } from '../../../runtime/events/envelope.js';
import { silentLogger } from '../../../runtime/ports/logger.js';

const Noted = defineEvent('noted', 'notes', z.object({ n: z.number() }));
const cause: Envelope = { id: 'cause-1', type: 'tick', ts: 1_700_000_000_000, token: 'SOL', source: 'spec', correlationId: 'corr-1', data: {} };

describe('agent context', () => {
  it('keeps working when a handler takes its methods off it (const { emit, now } = ctx)', () => {
    const outbox: Envelope[] = [];
    const { emit, now } = createAgentContext('noter:SOL', 'SOL', 'noter', cause, outbox, silentLogger);
    emit(Noted, { n: 1 });
    emit(Noted, { n: 2 });
    expect(now()).to.equal(cause.ts);
    expect(outbox.map((e) => [e.type, e.token, e.causationId, e.correlationId, (e.data as { n: number }).n])).to.deep.equal([
      ['noted', 'SOL', 'cause-1', 'corr-1', 1],
      ['noted', 'SOL', 'cause-1', 'corr-1', 2],
    ]);
    // The same cause, emitter and position give the same id again (a retried handler).
    const again: Envelope[] = [];
    createAgentContext('noter:SOL', 'SOL', 'noter', cause, again, silentLogger).emit(Noted, { n: 1 });
    expect(again[0]!.id).to.equal(outbox[0]!.id);
    expect(outbox[1]!.id).to.not.equal(outbox[0]!.id);
  });

  it('makes its logger once, on first use, carrying the actor and the correlation id', () => {
    const lines: string[] = [];
    const base = silentLogger.child({});
    const ctx = createAgentContext('noter:SOL', 'SOL', 'noter', cause, [], Object.assign(base, { child: (bindings: object) => (lines.push(JSON.stringify(bindings)), base) }));
    expect(lines).to.deep.equal([]);
    expect(ctx.log).to.equal(ctx.log);
    expect(lines).to.deep.equal([JSON.stringify({ actor: 'noter:SOL', correlationId: 'corr-1', eventId: 'cause-1' })]);
  });
});
