// Baseline: plain nact, one actor, N dispatches, no Regent in between. Every Regent figure is
// printed next to this one, measured in the same run.
import * as nact from 'nact';
import { collectGarbage } from './gc-share.js';

export async function rawNactThroughput(messages: number): Promise<number> {
  const system = nact.start();
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const actor = nact.spawn(
    system,
    (count: number, _msg: number) => {
      const next = count + 1;
      if (next === messages) resolveDone();
      return next;
    },
    'baseline',
    { initialState: 0 } as never,
  );
  collectGarbage(); // every timed run starts without the garbage of the ones before
  const started = performance.now();
  for (let i = 0; i < messages; i++) nact.dispatch(actor, i);
  await done;
  const seconds = (performance.now() - started) / 1000;
  nact.stop(system);
  return messages / seconds;
}
