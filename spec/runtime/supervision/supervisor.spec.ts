import { expect } from 'chai';
import { startNactSystem, stopNactSystem, type NactRef } from '../../../runtime/cells/nact-host.js';
import { silentLogger } from '../../../runtime/ports/logger.js';
import { systemClock } from '../../../runtime/ports/clock.js';
import { SeededRandom } from '../../../runtime/kit/random.js';
import { backoffDelay } from '../../../runtime/supervision/backoff.js';
import type { ChildLink, ChildSpec, RestartType, Strategy } from '../../../runtime/ports/supervision.js';
import { EscalationError } from '../../../runtime/ports/supervision.js';
import { Supervisor, type RestartReport, type SupervisionEnv } from '../../../runtime/supervision/supervisor.js';
import { waitFor } from '../../support/wait.js';

/** A worker that journals its starts and stops and can be made to crash or exit from the spec. */
class Workers {
  readonly journal: string[] = [];
  readonly links = new Map<string, ChildLink>();

  spec(id: string, options: { restart?: RestartType; shutdown?: number; hangOnStop?: boolean } = {}): ChildSpec {
    return {
      id,
      restart: options.restart ?? 'permanent',
      shutdown: options.shutdown ?? 1000,
      type: 'worker',
      backoff: { min: 1, max: 4, jitter: 0 },
      start: (link) => {
        this.journal.push(`start ${id}`);
        this.links.set(id, link);
        return {
          stop: async (reason) => {
            this.journal.push(`stop ${id} (${reason})`);
            if (options.hangOnStop) await new Promise(() => {});
          },
          kill: () => this.journal.push(`kill ${id}`),
        };
      },
    };
  }

  crash(id: string): void {
    this.links.get(id)!.failed(new Error(`${id} crashed`));
  }
}

function env(reports: RestartReport[], gaveUp: Error[] = []): SupervisionEnv {
  return {
    clock: systemClock,
    random: new SeededRandom(1),
    log: silentLogger,
    defaultBackoff: { min: 1, max: 4, jitter: 0 },
    onRestart: (r) => reports.push(r),
    onGiveUp: (_, e) => gaveUp.push(e),
  };
}

describe('Supervisor', () => {
  let system: NactRef;
  let supervisors: Supervisor[] = [];
  beforeEach(() => {
    system = startNactSystem(`spec-${Math.floor(Math.random() * 1e9)}`);
    supervisors = [];
  });
  afterEach(async () => {
    for (const s of supervisors) await s.stop();
    stopNactSystem(system);
  });

  async function started(strategy: Strategy, w: Workers, ids: string[], intensity = 5, reports: RestartReport[] = [], gaveUp: Error[] = []) {
    const sup = new Supervisor('sup', { strategy, intensity, period: 60_000 }, ids.map((id) => w.spec(id)), env(reports, gaveUp));
    supervisors.push(sup);
    await sup.start(system);
    return sup;
  }

  it('starts children in list order and stops them in reverse order', async () => {
    const w = new Workers();
    const sup = await started('one_for_one', w, ['a', 'b', 'c']);
    await sup.stop();
    expect(w.journal).to.deep.equal(['start a', 'start b', 'start c', 'stop c (shutdown)', 'stop b (shutdown)', 'stop a (shutdown)']);
  });

  it('one_for_one restarts only the crashed child', async () => {
    const w = new Workers();
    const reports: RestartReport[] = [];
    await started('one_for_one', w, ['a', 'b', 'c'], 5, reports);
    w.journal.length = 0;
    w.crash('b');
    await waitFor('b restarted', () => w.journal.includes('start b'));
    expect(w.journal).to.deep.equal(['stop b (crashed)', 'start b']);
    expect(reports.map((r) => [r.child, r.reason, r.attempt])).to.deep.equal([['b', 'b crashed', 1]]);
  });

  it('one_for_all stops every other child in reverse order and restarts all in order', async () => {
    const w = new Workers();
    await started('one_for_all', w, ['a', 'b', 'c']);
    w.journal.length = 0;
    w.crash('b');
    await waitFor('c restarted', () => w.journal.includes('start c'));
    expect(w.journal).to.deep.equal([
      'stop c (restart of b)',
      'stop a (restart of b)',
      'stop b (crashed)',
      'start a',
      'start b',
      'start c',
    ]);
  });

  it('rest_for_one restarts the crashed child and those started after it', async () => {
    const w = new Workers();
    await started('rest_for_one', w, ['a', 'b', 'c']);
    w.journal.length = 0;
    w.crash('b');
    await waitFor('c restarted', () => w.journal.includes('start c'));
    expect(w.journal).to.deep.equal(['stop c (restart of b)', 'stop b (crashed)', 'start b', 'start c']);
  });

  it('gives up past its intensity: stops its children and escalates to the parent, which restarts it', async () => {
    const w = new Workers();
    const reports: RestartReport[] = [];
    const e = env(reports);
    const inner = new Supervisor('inner', { strategy: 'one_for_one', intensity: 2, period: 60_000 }, [w.spec('a'), w.spec('b')], e);
    const outer = new Supervisor('outer', { strategy: 'one_for_one', intensity: 5, period: 60_000 }, [inner.asChildSpec()], e);
    supervisors.push(outer);
    await outer.start(system);
    for (let i = 1; i <= 3; i++) {
      const starts = w.journal.filter((j) => j === 'start a').length;
      w.crash('a');
      await waitFor(`restart ${i}`, () => w.journal.filter((j) => j === 'start a').length > starts);
    }
    const escalation = reports.find((r) => r.supervisor === 'outer');
    expect(escalation?.child).to.equal('inner');
    expect(escalation?.reason).to.match(/inner exceeded 2 restarts/);
    // After the escalation the whole inner tree was restarted, b included.
    expect(w.journal.filter((j) => j === 'start b')).to.have.length(2);
    expect(inner.describe().state).to.equal('running');
  });

  it('tells the runtime when the root itself gives up', async () => {
    const w = new Workers();
    const gaveUp: Error[] = [];
    await started('one_for_one', w, ['a'], 0, [], gaveUp);
    w.crash('a');
    await waitFor('give up', () => gaveUp.length > 0);
    expect(gaveUp[0]).to.be.instanceOf(EscalationError);
    expect(w.journal).to.include('stop a (crashed)');
  });

  it('does not restart a temporary child, and a transient child only after a crash', async () => {
    const w = new Workers();
    const sup = new Supervisor(
      'sup',
      { strategy: 'one_for_one', intensity: 5, period: 60_000 },
      [w.spec('temp', { restart: 'temporary' }), w.spec('trans', { restart: 'transient' }), w.spec('perm')],
      env([]),
    );
    supervisors.push(sup);
    await sup.start(system);
    w.crash('temp');
    w.links.get('trans')!.exited();
    w.links.get('perm')!.exited();
    await waitFor('perm restarted after a normal exit', () => w.journal.filter((j) => j === 'start perm').length === 2);
    expect(sup.childIds()).to.deep.equal(['perm']);
    w.journal.length = 0;
    const sup2 = new Supervisor('sup2', { strategy: 'one_for_one', intensity: 5, period: 60_000 }, [w.spec('trans2', { restart: 'transient' })], env([]));
    supervisors.push(sup2);
    await sup2.start(system);
    w.crash('trans2');
    await waitFor('transient restarted after a crash', () => w.journal.filter((j) => j === 'start trans2').length === 2);
  });

  it('kills a child that does not stop within its shutdown time', async () => {
    const w = new Workers();
    const sup = new Supervisor('sup', { strategy: 'one_for_one', intensity: 5, period: 60_000 }, [w.spec('slow', { shutdown: 20, hangOnStop: true })], env([]));
    await sup.start(system);
    await sup.stop();
    expect(w.journal).to.deep.equal(['start slow', 'stop slow (shutdown)', 'kill slow']);
  });

  it('waits for a child supervisor to stop its subtree however long it takes (shutdown infinity), never killing it', async () => {
    const w = new Workers();
    let release!: () => void;
    const slowStop = new Promise<void>((resolve) => (release = resolve));
    const slow: ChildSpec = { ...w.spec('slow', { shutdown: 1 }), shutdown: 'infinity', start: () => ({ stop: () => slowStop, kill: () => w.journal.push('kill slow') }) };
    const inner = new Supervisor('inner', { strategy: 'one_for_one', intensity: 5, period: 60_000 }, [slow], env([]));
    expect(inner.asChildSpec().shutdown).to.equal('infinity');
    const outer = new Supervisor('outer', { strategy: 'one_for_one', intensity: 5, period: 60_000 }, [inner.asChildSpec()], env([]));
    await outer.start(system);
    let stopped = false;
    const stopping = outer.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50)); // well past any millisecond limit
    expect(stopped, 'still waiting for the subtree').to.equal(false);
    release();
    await stopping;
    expect(w.journal, 'nothing killed').to.not.include('kill slow');
  });

  it('simple_one_for_one takes children on demand only, and restarts a crashed one alone', async () => {
    const w = new Workers();
    const flags = { strategy: 'simple_one_for_one' as const, intensity: 5, period: 60_000 };
    expect(() => new Supervisor('family', flags, [w.spec('a')], env([]))).to.throw(/simple_one_for_one starts its children on demand/);
    const family = new Supervisor('family', flags, [], env([]));
    supervisors.push(family);
    await family.start(system);
    await family.add(w.spec('a'));
    await family.add(w.spec('b'));
    w.journal.length = 0;
    w.crash('a');
    await waitFor('a restarted', () => w.journal.includes('start a'));
    expect(w.journal).to.deep.equal(['stop a (crashed)', 'start a']);
  });
});

describe('backoffDelay', () => {
  it('doubles from min per attempt up to max, without jitter', () => {
    const r = new SeededRandom(3);
    const spec = { min: 10, max: 100, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(spec, n, r))).to.deep.equal([10, 20, 40, 80, 100, 100]);
  });

  it('keeps jittered delays within the jitter band and below max', () => {
    const r = new SeededRandom(3);
    const spec = { min: 100, max: 1000, jitter: 0.5 };
    const delays = Array.from({ length: 200 }, () => backoffDelay(spec, 2, r));
    expect(Math.min(...delays)).to.be.at.least(100);
    expect(Math.max(...delays)).to.be.at.most(300);
    expect(new Set(delays).size).to.be.greaterThan(20);
  });
});
