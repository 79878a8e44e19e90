// The supervision tree as a value: planTree places every agent and child where the tree says, and
// refuses a tree that leaves something without a place or places it twice; describePlan shows it
// before start; the runtime runs the tree it is given.
import { expect } from 'chai';
import { defineAgent, type AgentDefinition } from '../../../runtime/agent/agent.js';
import { scriptedEvent } from '../../../runtime/agent/test-kit.js';
import { encodeEnvelope } from '../../../runtime/events/event-types.js';
import { workerSpec, type SupervisorFlags } from '../../../runtime/ports/supervision.js';
import { describePlan, planTree, type TreeParts } from '../../../runtime/supervision/tree-plan.js';
import {
  agentFamilies,
  intakeSlot,
  keyedActors,
  serviceSlot,
  singletonActors,
  standardTree,
  storeWriterSlot,
  supervisor,
  TreeError,
  type TreeSpec,
} from '../../../runtime/supervision/tree.js';
import { MemoryEventLog } from '../../../adapters/eventlog/memory/memory-event-log.js';
import { MemoryStateStore } from '../../../adapters/state/memory.js';
import { Runtime } from '../../../runtime/runtime.js';
import { applicationTree } from '../../../supervisors/tree.js';
import { Tick } from '../../support/counter-agent.js';

const keyed = (name: string): AgentDefinition =>
  defineAgent({ name, key: 'token', consumes: [Tick], initialState: () => 0, handle: (s: number) => s + 1 }) as AgentDefinition;
const singleton = (name: string): AgentDefinition =>
  defineAgent({ name, key: 'singleton', consumes: [Tick], initialState: () => 0, handle: (s: number) => s + 1 }) as AgentDefinition;

const flags: SupervisorFlags = { strategy: 'one_for_one', intensity: 3, period: 1000 };
const simple: SupervisorFlags = { ...flags, strategy: 'simple_one_for_one' };
const noop = () => ({ stop: async () => {} });
const parts = (over: Partial<TreeParts> = {}): TreeParts => ({
  agents: [keyed('position'), keyed('trading'), singleton('risk')],
  intakes: [workerSpec('event-log-consumer', 20_000, noop)],
  services: [workerSpec('http', 2000, noop)],
  ...over,
});
const policy = () => ({ restart: 'permanent' as const, shutdown: 5000 });

describe('supervision tree as a value', () => {
  it('places keyed agents in families, named ones under their simple_one_for_one host, singletons and children in their slots', () => {
    const tree = supervisor('root', flags, [
      supervisor('agents', flags, [agentFamilies(), singletonActors()]),
      supervisor('positions', simple, [keyedActors('position')]),
      supervisor('infra', flags, [storeWriterSlot(), intakeSlot(), serviceSlot()]),
    ]);
    const description = describePlan(planTree(tree, parts({ storeWriter: workerSpec('store-writer', 20_000, noop) })), policy);
    const shape = (node: typeof description): unknown =>
      node.type === 'supervisor'
        ? { [`${node.id} ${node.strategy} ${node.shutdown}`]: node.children.map((c) => (c.type === 'supervisor' ? shape(c) : `${c.id} ${c.shutdown}${c.onDemand ? ' on demand' : ''}`)) }
        : node;
    expect(shape(description)).to.deep.equal({
      'root one_for_one infinity': [
        { 'agents one_for_one infinity': [{ 'trading simple_one_for_one infinity': ['trading:<key> 5000 on demand'] }, 'risk:risk 5000 on demand'] },
        { 'positions simple_one_for_one infinity': ['position:<key> 5000 on demand'] },
        { 'infra one_for_one infinity': ['store-writer 20000', 'event-log-consumer 20000', 'http 2000'] },
      ],
    });
    expect(description.intensity).to.equal(3);
    expect(description.period).to.equal(1000);
  });

  it("the standard tree gives every keyed agent its own family, and the application's adds the positions supervisor", () => {
    const standard = describePlan(planTree(standardTree(flags), parts()), policy);
    expect(standard.children.map((c) => c.id)).to.deep.equal(['agents', 'infra']);
    const agents = standard.children[0]!;
    expect(agents.type === 'supervisor' && agents.children.map((c) => c.id)).to.deep.equal(['position', 'trading', 'risk:risk']);
    const app = describePlan(planTree(applicationTree({ maxRestarts: 7, withinMs: 500 }), parts()), policy);
    expect(app.children.map((c) => `${c.id}${c.type === 'supervisor' ? ` ${c.strategy} ${c.intensity}/${c.period}` : ''}`)).to.deep.equal([
      'agents one_for_one 7/500',
      'positions simple_one_for_one 7/500',
      'infra one_for_one 7/500',
    ]);
  });

  const agents = supervisor('agents', flags, [agentFamilies(), singletonActors()]);
  const infra = supervisor('infra', flags, [intakeSlot(), serviceSlot()]);
  const root = (...children: TreeSpec['children']) => supervisor('root', flags, children);
  const refused: [string, TreeSpec, RegExp][] = [
    ['an agent placed twice', root(supervisor('a', simple, [keyedActors('position')]), supervisor('b', simple, [keyedActors('position')]), agents, infra), /agent position is placed twice.*under a and b/],
    ['agents with no place', root(infra), /no place for agent\(s\) position, trading, risk/],
    ['no place for the intakes', root(agents, supervisor('infra', flags, [serviceSlot()])), /no place for the intakes/],
    ['no place for the services', root(agents, supervisor('infra', flags, [intakeSlot()])), /no place for the services \(http\)/],
    ['a slot placed twice', root(agents, supervisor('infra', flags, [intakeSlot(), intakeSlot(), serviceSlot()])), /places the intakes twice/],
    ['an unknown agent', root(supervisor('p', simple, [keyedActors('postion')]), agents, infra), /hosts agent postion, which the runtime does not run/],
    ['a singleton as keyed actors', root(supervisor('p', simple, [keyedActors('risk')]), agents, infra), /risk is a singleton/],
    ['keyed actors under one_for_one', root(supervisor('x', flags, [keyedActors('position')]), agents, infra), /belong under a simple_one_for_one supervisor, not x/],
    ['a supervisor under simple_one_for_one', root(supervisor('p', simple, [supervisor('q', flags, [])]), agents, infra), /p is simple_one_for_one.*not supervisor q/],
    ['the intakes before an agent\'s actors', root(infra, agents), /supervisor agents hosts actors after the intakes/],
    ['the intakes beside actors started on demand', root(supervisor('s', flags, [agentFamilies(), singletonActors(), infra])), /supervisor s starts actors on demand and also holds the intakes/],
    ['two supervisors of one name', root(supervisor('trading', flags, []), agents, infra), /two supervisors are named trading/],
  ];
  for (const [what, tree, message] of refused) {
    it(`refuses ${what} with a TreeError`, () => {
      expect(() => planTree(tree, parts())).to.throw(TreeError, message);
    });
  }

  it('refuses a store writer with no place, and places it when the tree has the slot', () => {
    const writer = workerSpec('store-writer', 1, noop);
    expect(() => planTree(root(agents, infra), parts({ storeWriter: writer }))).to.throw(TreeError, /no place for the store writer/);
    const described = describePlan(planTree(standardTree(flags), parts({ storeWriter: writer })), policy).children[1]!;
    expect(described.type === 'supervisor' && described.children.map((c) => c.id)).to.deep.equal(['store-writer', 'event-log-consumer', 'http']);
  });

  describe('the runtime', () => {
    let runtime: Runtime | undefined;
    afterEach(async () => {
      await runtime?.stop();
      runtime = undefined;
    });

    it('runs the tree it is given: a keyed actor starts under its simple_one_for_one host', async () => {
      const eventLog = new MemoryEventLog();
      const tree = supervisor('root', flags, [supervisor('hosts', simple, [keyedActors('position', 'trading')]), supervisor('singles', flags, [singletonActors()]), intakeSlot(), serviceSlot()]);
      runtime = new Runtime({ eventLog, agents: [keyed('position'), keyed('trading'), singleton('risk')], eventTypes: [Tick], stateStore: new MemoryStateStore(), tree });
      await runtime.start();
      await eventLog.publish('test.ticks', [{ key: 'BTC', value: encodeEnvelope(scriptedEvent(Tick, { n: 1 }, { ts: 1, token: 'BTC', id: 't1' })) }]);
      await runtime.whenIdle({ timeoutMs: 5000 });
      const live = runtime.describe()!;
      const hosts = live.children.find((c) => 'name' in c && c.name === 'hosts');
      expect(hosts && 'children' in hosts ? hosts.children.map((c) => ('id' in c ? c.id : c.name)) : []).to.have.members(['position:BTC', 'trading:BTC']);
      expect(live.children.map((c) => ('id' in c ? c.id : c.name))).to.deep.equal(['hosts', 'singles', 'event-log-consumer', 'singleton-consumer']);
      const singles = live.children.find((c) => 'name' in c && c.name === 'singles');
      expect(singles && 'children' in singles ? singles.children.map((c) => ('id' in c ? c.id : c.name)) : []).to.deep.equal(['risk:risk']);
    });

    it('refuses, when built, a tree that has no place for one of its agents', () => {
      const tree = supervisor('root', flags, [supervisor('hosts', simple, [keyedActors('position')]), supervisor('infra', flags, [intakeSlot()])]);
      expect(() => new Runtime({ eventLog: new MemoryEventLog(), agents: [keyed('position'), keyed('trading')], eventTypes: [Tick], stateStore: new MemoryStateStore(), tree })).to.throw(
        TreeError,
        /no place for agent\(s\) trading/,
      );
    });
  });
});
