// The Kafka test broker at the wire level: version negotiation, framing errors, several record
// batches in one Produce, acks=0, and fetch offsets beyond the high watermark.
import { expect } from 'chai';
import { KafkaTestBroker } from '../support/kafka-broker/broker.js';
import { Writer } from '../support/kafka-broker/codec/writer.js';
import { Harness, receivedAtLeast } from './clients.js';
import { RawClient } from './raw-client.js';

function produceBody(topic: string, records: Buffer, acks = -1): Writer {
  return new Writer()
    .string(null)
    .int16(acks)
    .int32(1000)
    .array([topic], (w, name) => w.string(name).array([records], (pw, bytes) => pw.int32(0).bytes(bytes)));
}

function fetchBody(topic: string, offset: number): Writer {
  return new Writer()
    .int32(-1)
    .int32(0)
    .int32(1)
    .int32(1 << 20)
    .int8(0)
    .array([topic], (w, name) => w.string(name).array([offset], (pw, o) => pw.int32(0).int64(o).int32(1 << 20)));
}

describe('kafka test broker: wire protocol', function () {
  this.timeout(20_000);
  let broker: KafkaTestBroker;
  const clients: RawClient[] = [];

  async function raw(): Promise<RawClient> {
    const client = await RawClient.connect(broker.port);
    clients.push(client);
    return client;
  }

  beforeEach(async () => {
    broker = await KafkaTestBroker.start();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await broker.close();
  });

  it('advertises one version per API and answers unknown ApiVersions versions with error 35', async () => {
    const client = await raw();
    const id = client.send(18, 0, new Writer());
    const { correlationId, body } = await client.response();
    expect(correlationId).to.equal(id);
    expect(body.int16()).to.equal(0);
    const versions = body.array((r) => ({ key: r.int16(), min: r.int16(), max: r.int16() }));
    const byKey = new Map(versions.map((v) => [v.key, v]));
    for (const [key, version] of [[0, 3], [1, 4], [2, 1], [3, 4], [8, 2], [9, 1], [10, 1], [11, 2], [12, 1], [13, 1], [14, 1], [19, 1]] as const) {
      expect(byKey.get(key), `api ${key}`).to.deep.equal({ key, min: version, max: version });
    }
    client.send(18, 3, new Writer());
    const unsupported = await client.response();
    expect(unsupported.body.int16()).to.equal(35);
  });

  it('closes a connection that sends a malformed frame or an unknown API', async () => {
    const negative = await raw();
    negative.writeRaw(Buffer.from([0xff, 0xff, 0xff, 0xf0]));
    await negative.closed;
    const unknown = await raw();
    unknown.send(999, 0, new Writer());
    await unknown.closed;
    const truncated = await raw();
    truncated.send(3, 4, new Writer().int32(1));
    await truncated.closed;
    expect(broker.topics()).to.deep.equal([]);
  });

  it('stores several batches from one Produce with consecutive offsets, and kafkajs reads them', async () => {
    const harness = await Harness.start();
    try {
      const producer = await harness.producer('batches');
      await producer.send({ topic: 'src', messages: [{ value: 'a' }, { value: 'b' }] });
      await producer.send({ topic: 'src', messages: [{ value: 'c' }] });
      await producer.send({ topic: 'src', messages: [{ value: 'd' }, { value: 'e' }, { value: 'f' }] });
      const batches = harness.broker.storedBatches('src', 0);
      harness.broker.createTopic('dst', 1);
      harness.broker.createTopic('dst2', 1);
      const client = await RawClient.connect(harness.broker.port);
      try {
        client.send(0, 3, produceBody('dst', batches));
        client.send(0, 3, produceBody('dst', batches));
        const first = await client.response();
        first.body.int32();
        first.body.string();
        first.body.int32();
        expect([first.body.int32(), first.body.int16(), first.body.int64()]).to.deep.equal([0, 0, 0]);
        const second = await client.response();
        second.body.int32();
        second.body.string();
        second.body.int32();
        expect([second.body.int32(), second.body.int16(), second.body.int64()]).to.deep.equal([0, 0, 6]);
        // acks=0: no response, so the next response is the fetch's.
        client.send(0, 3, produceBody('dst2', batches, 0));
        const fetchId = client.send(1, 4, fetchBody('dst', 13));
        const fetched = await client.response();
        expect(fetched.correlationId).to.equal(fetchId);
        fetched.body.int32();
        fetched.body.int32();
        fetched.body.string();
        fetched.body.int32();
        expect([fetched.body.int32(), fetched.body.int16(), fetched.body.int64()]).to.deep.equal([0, 1, 12]);
      } finally {
        client.close();
      }
      expect(harness.broker.endOffset('dst', 0)).to.equal(12);
      expect(harness.broker.endOffset('dst2', 0)).to.equal(6);
      const consumer = await harness.consumer('batches-consumer', { groupId: 'batches-group', topic: 'dst' });
      await receivedAtLeast(consumer, 12);
      expect(consumer.values()).to.deep.equal([...'abcdefabcdef']);
      expect(consumer.received.map((r) => r.offset)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    } finally {
      await harness.close();
    }
  });
});
