// Why Regent's producer is idempotent: a Produce whose answer is lost is sent again by the client.
// A plain producer then writes the records twice; an idempotent one (producer id + sequence numbers)
// has the resent batch recognised by the broker, which answers with the offset it gave the first time.
import { expect } from 'chai';
import type { Producer } from 'kafkajs';
import { ProducerSequences } from '../support/kafka-broker/producer-sequences.js';
import { Harness } from './clients.js';

describe('kafka test broker: idempotent produce', function () {
  this.timeout(30_000);
  let harness: Harness;

  beforeEach(async () => {
    harness = await Harness.start();
    harness.broker.createTopic('idem', 1);
  });

  afterEach(async () => {
    await harness.close();
  });

  async function sendWithLostAnswer(producer: Producer): Promise<number> {
    await producer.send({ topic: 'idem', acks: -1, messages: [{ key: 'BTC', value: 'first' }] });
    harness.broker.loseProduceResponses(1);
    await producer.send({ topic: 'idem', acks: -1, messages: [{ key: 'BTC', value: 'a' }, { key: 'BTC', value: 'b' }] });
    await producer.send({ topic: 'idem', acks: -1, messages: [{ key: 'BTC', value: 'after' }] });
    return harness.broker.endOffset('idem', 0)!;
  }

  it('a plain producer writes a batch twice when its answer is lost', async () => {
    const records = await sendWithLostAnswer(await harness.producer('plain'));
    expect(records).to.equal(6); // first, a, b, a, b, after
  });

  it('an idempotent producer writes it once: the broker recognises the resent batch by its sequence', async () => {
    const records = await sendWithLostAnswer(await harness.producer('idempotent', { idempotent: true }));
    expect(records).to.equal(4); // first, a, b, after
  });

  it('refuses a batch that skips sequence numbers, and one from an older producer epoch', () => {
    const sequences = new ProducerSequences();
    const batch = (baseSequence: number, count: number, epoch = 0) => ({ bytes: Buffer.alloc(0), offsetCount: count, recordCount: count, maxTimestamp: 0, producerId: 7n, producerEpoch: epoch, baseSequence });
    expect(sequences.check(batch(0, 2)).kind).to.equal('append');
    sequences.wrote(batch(0, 2, 1), 10);
    expect(sequences.check(batch(2, 1, 1)).kind).to.equal('append');
    expect(sequences.check(batch(3, 1, 1)).kind).to.equal('out-of-order');
    expect(sequences.check(batch(0, 2, 1))).to.deep.equal({ kind: 'duplicate', baseOffset: 10 });
    expect(sequences.check(batch(2, 1, 0)).kind).to.equal('fenced');
  });
});
