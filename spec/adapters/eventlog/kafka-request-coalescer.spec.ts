// The coalescer behind Kafka publishes and commits: one request in flight, what arrives meanwhile
// goes in the next one, each call settles with the outcome of the request that carried it.
import { expect } from 'chai';
import { RequestCoalescer } from '../../../adapters/eventlog/kafka/request-coalescer.js';
import { waitFor } from '../../support/wait.js';

/** A send whose requests stay in flight until the spec settles them. */
function heldSend() {
  const requests: { items: number[]; settle: (error?: Error) => void }[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const send = (items: readonly number[]) =>
    new Promise<void>((resolve, reject) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      requests.push({
        items: [...items],
        settle: (error) => {
          inFlight--;
          if (error) reject(error);
          else resolve();
        },
      });
    });
  return { send, requests, mostInFlight: () => mostInFlight };
}

function outcome(promise: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const o: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  promise.then(
    () => (o.state = 'resolved'),
    (error: unknown) => {
      o.state = 'rejected';
      o.error = error;
    },
  );
  return o;
}

describe('Kafka request coalescer', () => {
  it('sends what arrives while a request is in flight together in the next one, one request at a time', async () => {
    const held = heldSend();
    const coalescer = new RequestCoalescer<number>({ send: held.send });
    const first = [coalescer.push(1), coalescer.push(2)].map(outcome);
    await waitFor('the first request', () => held.requests.length === 1);
    const later = [3, 4, 5].map((n) => outcome(coalescer.push(n)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.requests.map((r) => r.items), 'nothing more while the first is in flight').to.deep.equal([[1, 2]]);
    expect(coalescer.waiting).to.equal(3);
    held.requests[0]!.settle();
    await waitFor('the second request', () => held.requests.length === 2);
    expect(held.requests.map((r) => r.items)).to.deep.equal([[1, 2], [3, 4, 5]]);
    expect(first.map((o) => o.state)).to.deep.equal(['resolved', 'resolved']);
    expect(later.map((o) => o.state), 'settled only with their own request').to.deep.equal(['pending', 'pending', 'pending']);
    held.requests[1]!.settle();
    await waitFor('the later pushes', () => later.every((o) => o.state === 'resolved'));
    expect(held.mostInFlight()).to.equal(1);
  });

  it('rejects exactly the pushes of a failed request, with its error, and goes on with the next', async () => {
    const held = heldSend();
    const coalescer = new RequestCoalescer<number>({ send: held.send });
    const failed = [coalescer.push(1), coalescer.push(2)].map(outcome);
    await waitFor('the first request', () => held.requests.length === 1);
    const next = outcome(coalescer.push(3));
    const broker = new Error('leader not available');
    held.requests[0]!.settle(broker);
    await waitFor('the second request', () => held.requests.length === 2);
    expect(failed.map((o) => [o.state, o.error])).to.deep.equal([
      ['rejected', broker],
      ['rejected', broker],
    ]);
    expect(next.state).to.equal('pending');
    held.requests[1]!.settle();
    await waitFor('the next push', () => next.state === 'resolved');
  });

  it('keeps the push order and starts a new request past maxItems or maxSize, a larger item going alone', async () => {
    const held = heldSend();
    const coalescer = new RequestCoalescer<number>({ send: held.send, maxItems: 3, maxSize: 10, sizeOf: (n) => n });
    const pushes = [1, 2, 3, 4, 9, 20, 1].map((n) => coalescer.push(n));
    for (let i = 1; ; i++) {
      await waitFor(`request ${i}`, () => held.requests.length === i);
      held.requests[i - 1]!.settle();
      if (held.requests.flatMap((r) => r.items).length === pushes.length) break;
    }
    await Promise.all(pushes);
    expect(held.requests.map((r) => r.items)).to.deep.equal([[1, 2, 3], [4], [9], [20], [1]]);
  });

  it('turns a send that throws at once into rejected pushes', async () => {
    const coalescer = new RequestCoalescer<number>({
      send: () => {
        throw new Error('no producer');
      },
    });
    const push = outcome(coalescer.push(1));
    await waitFor('the push to settle', () => push.state !== 'pending');
    expect(push.state).to.equal('rejected');
    expect((push.error as Error).message).to.equal('no producer');
  });
});
