// The Kafka test broker's TLS listener and SASL authentication, driven by plain kafkajs (and the raw
// client for what kafkajs never sends): a self-signed CA, a required client certificate, PLAIN and
// SCRAM-SHA-256/512 with right and wrong passwords, and no API but ApiVersions and SASL before
// authentication.
import { expect } from 'chai';
import kafkajs from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { KafkaTestBroker, type KafkaTestBrokerOptions } from '../support/kafka-broker/broker.js';
import { Writer } from '../support/kafka-broker/codec/writer.js';
import { makeTestCertificates, type TestCertificates } from '../support/tls-certificates.js';
import { RawClient } from './raw-client.js';

const { Kafka, logLevel } = kafkajs;

const USERS = { regent: 'correct horse battery staple', other: 'p,w=x' };

describe('kafka test broker: TLS and SASL', function () {
  this.timeout(30_000);
  let certs: TestCertificates;
  let broker: KafkaTestBroker | undefined;

  before(() => {
    certs = makeTestCertificates();
  });

  after(() => certs.remove());

  afterEach(async () => {
    await broker?.close();
    broker = undefined;
  });

  async function start(options: KafkaTestBrokerOptions): Promise<KafkaTestBroker> {
    broker = await KafkaTestBroker.start(options);
    return broker;
  }

  const tlsBroker = (requestCert = false): KafkaTestBrokerOptions['tls'] => ({ key: certs.brokerKey.pem, cert: certs.brokerCert.pem, ca: certs.ca.pem, requestCert });

  /** Connects an admin client, creates a topic and lists the topics; rejects with kafkajs's error. */
  async function listTopics(ssl: ConnectionOptions | undefined, sasl?: SASLOptions): Promise<string[]> {
    const kafka = new Kafka({
      clientId: 'security-spec',
      brokers: broker!.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
      ...(ssl ? { ssl } : {}),
      ...(sasl ? { sasl } : {}),
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'secured', numPartitions: 1 }] });
      return await admin.listTopics();
    } finally {
      await admin.disconnect();
    }
  }

  async function failure(call: Promise<unknown>): Promise<Error> {
    try {
      await call;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a failure, the call succeeded');
  }

  it('serves kafkajs over TLS to a client trusting its CA, and fails one trusting another CA with the certificate error', async () => {
    await start({ tls: tlsBroker() });
    expect(await listTopics({ ca: certs.ca.pem })).to.deep.equal(['secured']);
    const error = await failure(listTopics({ ca: certs.otherCa.pem }));
    expect(error.message).to.contain('self-signed certificate in certificate chain');
  });

  it('checks the certificate against servername when one is given', async () => {
    await start({ tls: tlsBroker() });
    expect(await listTopics({ ca: certs.ca.pem, servername: 'kafka.test' })).to.deep.equal(['secured']);
    const error = await failure(listTopics({ ca: certs.ca.pem, servername: 'elsewhere.test' }));
    expect(error.message).to.contain("Host: elsewhere.test. is not in the cert's altnames");
  });

  it('requires a client certificate signed by its CA when asked to: with one it serves, without one it refuses', async () => {
    await start({ tls: tlsBroker(true) });
    const withCert = { ca: certs.ca.pem, cert: certs.clientCert.pem, key: certs.encryptedClientKey.pem, passphrase: certs.clientKeyPassphrase };
    expect(await listTopics(withCert)).to.deep.equal(['secured']);
    const error = await failure(listTopics({ ca: certs.ca.pem }));
    expect(error.message).to.contain('certificate required');
    expect(broker!.tlsHandshakeFailures).to.be.greaterThan(0);
  });

  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`authenticates SASL ${mechanism.toUpperCase()} with the right password and refuses a wrong one with Kafka's message`, async () => {
      await start({ tls: tlsBroker(), sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], users: USERS } });
      const ssl = { ca: certs.ca.pem };
      expect(await listTopics(ssl, { mechanism, username: 'regent', password: USERS.regent } as SASLOptions)).to.deep.equal(['secured']);
      // A user name with ',' and '=' goes through SCRAM's escaping.
      expect(await listTopics(ssl, { mechanism, username: 'other', password: USERS.other } as SASLOptions)).to.deep.equal(['secured']);
      const error = await failure(listTopics(ssl, { mechanism, username: 'regent', password: 'wrong' } as SASLOptions));
      expect(error.name).to.equal('KafkaJSSASLAuthenticationError');
      expect(error.message).to.match(
        mechanism === 'plain'
          ? /^SASL PLAIN authentication failed: Authentication failed: Invalid username or password$/
          : new RegExp(`^SASL SCRAM SHA${mechanism.slice(-3)} authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism.toUpperCase()}$`),
      );
      const unknown = await failure(listTopics(ssl, { mechanism, username: 'nobody', password: USERS.regent } as SASLOptions));
      expect(unknown.name).to.equal('KafkaJSSASLAuthenticationError');
    });
  }

  it('refuses a mechanism it does not offer', async () => {
    await start({ sasl: { mechanisms: ['SCRAM-SHA-512'], users: USERS } });
    const error = await failure(listTopics(undefined, { mechanism: 'plain', username: 'regent', password: USERS.regent }));
    expect(error.message).to.contain('SASL mechanism');
    expect(await listTopics(undefined, { mechanism: 'scram-sha-512', username: 'regent', password: USERS.regent })).to.deep.equal(['secured']);
  });

  it('answers only ApiVersions and SASL before authentication: any other request closes the connection', async () => {
    await start({ sasl: { mechanisms: ['PLAIN'], users: USERS } });
    const client = await RawClient.connect(broker!.port);
    try {
      client.send(18, 0, new Writer());
      expect((await client.response()).body.int16()).to.equal(0);
      client.send(17, 1, new Writer().string('PLAIN'));
      const handshake = (await client.response()).body;
      expect(handshake.int16()).to.equal(0);
      expect(handshake.array((r) => r.string())).to.deep.equal(['PLAIN']);
      client.send(3, 4, new Writer().array(['secured'], (w, t) => w.string(t)).boolean(true));
      await client.closed;
      expect(broker!.topics()).to.deep.equal([]);
    } finally {
      client.close();
    }
    const plainClient = await failure(listTopics(undefined));
    expect(plainClient.name).to.match(/KafkaJSConnection(Closed)?Error|KafkaJSNumberOfRetriesExceeded/);
  });

  it('closes the connection after a refused authentication', async () => {
    await start({ sasl: { mechanisms: ['PLAIN'], users: USERS } });
    const client = await RawClient.connect(broker!.port);
    try {
      client.send(17, 1, new Writer().string('PLAIN'));
      expect((await client.response()).body.int16()).to.equal(0);
      client.send(36, 1, new Writer().bytes(Buffer.from('\u0000regent\u0000wrong')));
      const answer = (await client.response()).body;
      expect(answer.int16()).to.equal(58);
      expect(answer.nullableString()).to.equal('Authentication failed: Invalid username or password');
      await client.closed;
    } finally {
      client.close();
    }
  });
});
