import { expect } from 'chai';
import { createAgents } from '../../actors/index.js';
import { PaperExchange } from '../../adapters/exchange/paper.js';
import { MemoryAuditTrail } from '../../adapters/store/memory-audit-trail.js';
import { MemoryOrderJournal } from '../../adapters/store/memory-order-journal.js';
import { defaultConfig } from '../../config/schema.js';

describe('createAgents', () => {
  it('returns the six domain agents in start order', () => {
    const agents = createAgents(defaultConfig(), { exchange: new PaperExchange(), journal: new MemoryOrderJournal(), audit: new MemoryAuditTrail() });
    expect(agents.map((a) => a.name)).to.deep.equal(['position', 'trading', 'sentiment', 'risk', 'execution', 'alerting']);
    expect(agents[0]!.passivateAfterMs).to.equal(defaultConfig().positions.passivateAfterMs);
  });
});
