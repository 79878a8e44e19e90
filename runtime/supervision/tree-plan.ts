// From the tree as a value to the tree that runs: each slot is resolved against the runtime's
// agents and children (checked first: every agent has exactly one host, every child a place), then
// the plan is described (before start) or built into supervisors (at start).
import { actorIdOf, type AgentDefinition } from '../agent/agent.js';
import type { ChildSpec, RestartType, Shutdown, SupervisorFlags } from '../ports/supervision.js';
import { Supervisor, type SupervisionEnv } from './supervisor.js';
import { TreeError, type RuntimeSlot, type PlannedSupervisorDescription, type TreeSpec, type TreeChild, type PlannedWorkerDescription } from './tree.js';

/** What the runtime has to place in the tree. */
export interface TreeParts {
  readonly agents: readonly AgentDefinition[];
  readonly storeWriter?: ChildSpec;
  readonly intakes: readonly ChildSpec[];
  readonly services: readonly ChildSpec[];
}

interface PlannedSupervisor {
  readonly type: 'supervisor';
  readonly id: string;
  readonly flags: SupervisorFlags;
  readonly children: readonly PlannedChild[];
  /** Agents whose actors this supervisor starts on demand. */
  readonly hosts: readonly AgentDefinition[];
}

type PlannedChild = PlannedSupervisor | { readonly type: 'worker'; readonly spec: ChildSpec };

export type TreePlan = PlannedSupervisor;

/** Resolves the tree's slots against the parts; a TreeError says what does not fit. */
export function planTree(tree: TreeSpec, parts: TreeParts): TreePlan {
  const byName = new Map(parts.agents.map((a) => [a.name, a]));
  const slotsSeen = new Set<RuntimeSlot['kind']>();
  const supervisorIds = new Set<string>();
  const placed = new Map<string, string>();
  const place = (agent: AgentDefinition, host: string) => {
    const earlier = placed.get(agent.name);
    if (earlier) throw new TreeError(`agent ${agent.name} is placed twice in the supervision tree: under ${earlier} and ${host}`);
    placed.set(agent.name, host);
  };
  const claimId = (id: string) => {
    if (supervisorIds.has(id)) throw new TreeError(`two supervisors are named ${id} in the supervision tree`);
    supervisorIds.add(id);
  };

  const named = new Set<string>();
  const collect = (node: TreeChild) => {
    if ('kind' in node) {
      if (node.kind === 'keyed-actors') for (const a of node.agents) named.add(a);
    } else node.children.forEach(collect);
  };
  collect(tree);
  const familyAgents = parts.agents.filter((a) => a.key !== 'singleton' && !named.has(a.name));

  // The intakes must stop before every actor they feed, and children stop in reverse order of
  // start, on-demand actors (added last) first: so every host comes before the intakes, and no
  // supervisor that starts actors on demand also holds the intakes.
  let intakesPlaced = false;
  const hostsActors = (host: string) => {
    if (intakesPlaced) throw new TreeError(`supervisor ${host} hosts actors after the intakes: the intakes must come after every agent's actors (they start after and stop before them)`);
  };
  const holdsIntakes = (node: TreeChild): boolean => ('kind' in node ? node.kind === 'intakes' : node.children.some(holdsIntakes));

  const visit = (node: TreeSpec): PlannedSupervisor => {
    claimId(node.id);
    const onDemand = node.children.some((c) => 'kind' in c && (c.kind === 'keyed-actors' || c.kind === 'singleton-actors'));
    if (onDemand && node.children.some(holdsIntakes)) {
      throw new TreeError(`supervisor ${node.id} starts actors on demand and also holds the intakes, which would stop after those actors: put them in sibling supervisors`);
    }
    const simple = node.flags.strategy === 'simple_one_for_one';
    const children: PlannedChild[] = [];
    const hosts: AgentDefinition[] = [];
    for (const child of node.children) {
      if (!('kind' in child)) {
        if (simple) throw new TreeError(`supervisor ${node.id} is simple_one_for_one: its children are actors started on demand, not supervisor ${child.id}`);
        children.push(visit(child));
        continue;
      }
      if (simple && child.kind !== 'keyed-actors') throw new TreeError(`supervisor ${node.id} is simple_one_for_one: it hosts keyed actors only, not the ${child.kind}`);
      if (child.kind !== 'keyed-actors') {
        if (slotsSeen.has(child.kind)) throw new TreeError(`the supervision tree places the ${child.kind} twice`);
        slotsSeen.add(child.kind);
      }
      switch (child.kind) {
        case 'keyed-actors':
          hostsActors(node.id);
          if (!simple) throw new TreeError(`keyed actors (${child.agents.join(', ')}) belong under a simple_one_for_one supervisor, not ${node.id} (${node.flags.strategy})`);
          for (const name of child.agents) {
            const agent = byName.get(name);
            if (!agent) throw new TreeError(`supervisor ${node.id} hosts agent ${name}, which the runtime does not run`);
            if (agent.key === 'singleton') throw new TreeError(`supervisor ${node.id} hosts ${name} as keyed actors, but ${name} is a singleton`);
            place(agent, node.id);
            hosts.push(agent);
          }
          break;
        case 'agent-families':
          if (familyAgents.length) hostsActors(node.id);
          for (const agent of familyAgents) {
            claimId(agent.name);
            place(agent, node.id);
            children.push({ type: 'supervisor', id: agent.name, flags: { ...node.flags, strategy: 'simple_one_for_one' }, children: [], hosts: [agent] });
          }
          break;
        case 'singleton-actors':
          if (parts.agents.some((a) => a.key === 'singleton')) hostsActors(node.id);
          for (const agent of parts.agents.filter((a) => a.key === 'singleton')) {
            place(agent, node.id);
            hosts.push(agent);
          }
          break;
        case 'store-writer':
          if (parts.storeWriter) children.push({ type: 'worker', spec: parts.storeWriter });
          break;
        case 'intakes':
          intakesPlaced = true;
          for (const spec of parts.intakes) children.push({ type: 'worker', spec });
          break;
        case 'services':
          for (const spec of parts.services) children.push({ type: 'worker', spec });
          break;
      }
    }
    return { type: 'supervisor', id: node.id, flags: node.flags, children, hosts };
  };
  const plan = visit(tree);

  const unplaced = parts.agents.filter((a) => !placed.has(a.name)).map((a) => a.name);
  if (unplaced.length) throw new TreeError(`the supervision tree has no place for agent(s) ${unplaced.join(', ')} (add agent-families or singleton-actors)`);
  if (!slotsSeen.has('intakes')) throw new TreeError('the supervision tree has no place for the intakes');
  if (parts.storeWriter && !slotsSeen.has('store-writer')) throw new TreeError('the supervision tree has no place for the store writer');
  if (parts.services.length && !slotsSeen.has('services')) throw new TreeError(`the supervision tree has no place for the services (${parts.services.map((s) => s.id).join(', ')})`);
  return plan;
}

/** The worker shape of an agent's actors, as the registry spawns them. */
export type ActorPolicy = (agent: AgentDefinition) => { readonly restart: RestartType; readonly shutdown: Shutdown };

export function describePlan(plan: TreePlan, actorPolicy: ActorPolicy): PlannedSupervisorDescription {
  const onDemand = (agent: AgentDefinition): PlannedWorkerDescription => ({
    id: actorIdOf(agent.name, agent.key === 'singleton' ? agent.name : '<key>'),
    type: 'worker',
    ...actorPolicy(agent),
    onDemand: true,
    ...(agent.key === 'singleton' ? {} : { perKey: true as const }),
  });
  return {
    id: plan.id,
    type: 'supervisor',
    ...plan.flags,
    restart: 'permanent',
    shutdown: 'infinity',
    children: [
      ...plan.children.map((c) =>
        c.type === 'supervisor' ? describePlan(c, actorPolicy) : { id: c.spec.id, type: 'worker' as const, restart: c.spec.restart, shutdown: c.spec.shutdown },
      ),
      ...plan.hosts.map(onDemand),
    ],
  };
}

/** Builds the supervisors of the plan (not started); `host` is told which supervisor starts an agent's actors. */
export function buildPlan(plan: TreePlan, env: SupervisionEnv, host: (agent: AgentDefinition, supervisor: Supervisor) => void): Supervisor {
  const specs = plan.children.map((c) => (c.type === 'supervisor' ? buildPlan(c, env, host).asChildSpec() : c.spec));
  const built = new Supervisor(plan.id, plan.flags, specs, env);
  for (const agent of plan.hosts) host(agent, built);
  return built;
}
