// The application's supervision tree, as a value (OTP flags per supervisor; the runtime fills the
// slots with the agents' actors, its intakes and the services it is given). Children start in list
// order and stop in reverse: the actors are up before the first record arrives, and the intakes
// drain and commit before the actors snapshot and stop.
//
//   root        one_for_one
//   ├── agents      one_for_one: a simple_one_for_one family per keyed agent (trading:<token>,
//   │               sentiment:<token>); the singletons (risk, execution, alerting) on demand
//   ├── positions   simple_one_for_one: position:<token> on demand, passivated when idle
//   └── infra       one_for_one: store writer, event-log consumers, HTTP, venue fills, jobs
import type { SupervisionSettings } from '../runtime/runtime-defaults.js';
import type { SupervisorFlags } from '../runtime/ports/supervision.js';
import {
  agentFamilies,
  intakeSlot,
  keyedActors,
  serviceSlot,
  singletonActors,
  storeWriterSlot,
  supervisor,
  type TreeSpec,
} from '../runtime/supervision/tree.js';

export function applicationTree(settings: Pick<SupervisionSettings, 'maxRestarts' | 'withinMs'>): TreeSpec {
  const flags: SupervisorFlags = { strategy: 'one_for_one', intensity: settings.maxRestarts, period: settings.withinMs };
  return supervisor('root', flags, [
    supervisor('agents', flags, [agentFamilies(), singletonActors()]),
    supervisor('positions', { ...flags, strategy: 'simple_one_for_one' }, [keyedActors('position')]),
    supervisor('infra', flags, [storeWriterSlot(), intakeSlot(), serviceSlot()]),
  ]);
}
