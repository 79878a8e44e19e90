// The Kafka event log over TLS and SASL, against the test broker: with a self-signed CA records go
// out and come back through a consumer group; a broker certificate from another CA, a missing
// client certificate or a wrong password fails the start with the reason, within the connect
// retries; SASL PLAIN and SCRAM-SHA-256/512 authenticate the producer, admin and consumer alike.
// The start-up TLS check names what the broker refused without kafkajs's retries.
import { expect } from 'chai';
import { KafkaEventLog } from '../../../adapters/eventlog/kafka/kafka-event-log.js';
import type { KafkaSecurity } from '../../../adapters/eventlog/kafka/kafka-security.js';
import { checkKafkaTls, KafkaTlsError } from '../../../adapters/eventlog/kafka/tls-check.js';
import type { ConnectionOptions } from 'node:tls';
import { KafkaTestBroker, type KafkaTestBrokerOptions } from '../../support/kafka-broker/broker.js';
import { freePort } from '../../support/free-port.js';
import { makeTestCertificates, type TestCertificates } from '../../support/tls-certificates.js';
import { waitFor } from '../../support/wait.js';

const PASSWORD = 'kafka-sasl-password-5f0b';

describe('Kafka event log: TLS and SASL', function () {
  this.timeout(40_000);
  let certs: TestCertificates;
  let broker: KafkaTestBroker | undefined;
  const logs: KafkaEventLog[] = [];

  before(() => {
    certs = makeTestCertificates();
  });

  after(() => certs.remove());

  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close();
    await broker?.close();
    broker = undefined;
  });

  async function start(options: Omit<KafkaTestBrokerOptions, 'tls'> & { requestCert?: boolean } = {}): Promise<KafkaTestBroker> {
    const { requestCert, ...rest } = options;
    broker = await KafkaTestBroker.start({ ...rest, tls: { key: certs.brokerKey.pem, cert: certs.brokerCert.pem, ca: certs.ca.pem, requestCert: requestCert ?? false } });
    return broker;
  }

  function eventLog(security: KafkaSecurity): KafkaEventLog {
    const log = new KafkaEventLog({ brokers: broker!.brokers, security, heartbeatIntervalMs: 100, maxWaitTimeMs: 50, retry: { initialMs: 50, maxMs: 200, retries: 2 } });
    logs.push(log);
    return log;
  }

  /** Publishes 20 keyed records and reads them back through a consumer group. */
  async function roundTrip(log: KafkaEventLog): Promise<string[]> {
    await log.createTopics([{ name: 'secured', partitions: 2 }]);
    const sent = Array.from({ length: 20 }, (_, i) => `record ${i}`);
    await log.publish('secured', sent.map((value, i) => ({ key: `k${i % 3}`, value: Buffer.from(value) })));
    const consumer = log.consumer({ groupId: 'secured-readers', topics: ['secured'], fromBeginning: true });
    const received: string[] = [];
    void consumer.run({ eachBatch: async (b) => void received.push(...b.records.map((r) => r.value.toString())) });
    await waitFor('20 records back', () => received.length >= 20, 20_000);
    await consumer.disconnect();
    return received.sort();
  }

  const sorted = (values: string[]) => [...values].sort();
  const allRecords = sorted(Array.from({ length: 20 }, (_, i) => `record ${i}`));

  async function failure(call: Promise<unknown>): Promise<Error> {
    try {
      await call;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a failure, the call succeeded');
  }

  it('publishes and consumes over TLS with a broker certificate from a self-signed CA', async () => {
    await start();
    expect(await roundTrip(eventLog({ tls: { ca: certs.ca.pem } }))).to.deep.equal(allRecords);
  });

  it('fails the start with the certificate error when the broker certificate is not from the trusted CA', async () => {
    await start();
    const error = await failure(eventLog({ tls: { ca: certs.otherCa.pem } }).createTopics([{ name: 'secured', partitions: 1 }]));
    expect(error.message).to.equal('Connection error: self-signed certificate in certificate chain');
    expect(broker!.topics()).to.deep.equal([]);
  });

  it('presents a client certificate (its key encrypted under a passphrase) to a broker that requires one, and is refused without it', async () => {
    await start({ requestCert: true });
    const cert = { ca: certs.ca.pem, cert: certs.clientCert.pem, key: certs.encryptedClientKey.pem, passphrase: certs.clientKeyPassphrase };
    expect(await roundTrip(eventLog({ tls: cert }))).to.deep.equal(allRecords);
    const error = await failure(eventLog({ tls: { ca: certs.ca.pem } }).createTopics([{ name: 'other', partitions: 1 }]));
    expect(error.message).to.contain('certificate required');
  });

  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`authenticates every client with SASL ${mechanism.toUpperCase()} over TLS, and a wrong password fails the start with the broker's reason`, async () => {
      await start({ sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], users: { regent: PASSWORD } } });
      let asked = 0;
      const sasl = { mechanism, username: 'regent', password: () => (asked++, PASSWORD) };
      expect(await roundTrip(eventLog({ tls: { ca: certs.ca.pem }, sasl }))).to.deep.equal(allRecords);
      expect(asked, 'the password is asked for at each authentication').to.be.greaterThan(1);
      const error = await failure(eventLog({ tls: { ca: certs.ca.pem }, sasl: { ...sasl, password: () => 'wrong' } }).createTopics([{ name: 'other', partitions: 1 }]));
      expect(error.name).to.equal('KafkaJSSASLAuthenticationError');
      expect(error.message).to.contain(mechanism === 'plain' ? 'Invalid username or password' : `invalid credentials with SASL mechanism ${mechanism.toUpperCase()}`);
      expect(broker!.topics()).to.deep.equal(['secured']);
    });
  }
});

describe('Kafka TLS start-up check', function () {
  this.timeout(20_000);
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

  const tlsBroker = async (requestCert = false) =>
    (broker = await KafkaTestBroker.start({ tls: { key: certs.brokerKey.pem, cert: certs.brokerCert.pem, ca: certs.ca.pem, requestCert } }));

  async function refusal(brokers: readonly string[], tls: ConnectionOptions): Promise<KafkaTlsError> {
    try {
      await checkKafkaTls(brokers, tls);
    } catch (error) {
      if (error instanceof KafkaTlsError) return error;
      throw error;
    }
    throw new Error('expected a KafkaTlsError, the check passed');
  }

  it('passes when a broker completes the handshake and answers, skipping seed brokers that are not there', async () => {
    const b = await tlsBroker(true);
    const down = `127.0.0.1:${await freePort()}`;
    await checkKafkaTls([down, ...b.brokers], { ca: certs.ca.pem, cert: certs.clientCert.pem, key: certs.clientKey.pem });
  });

  it('passes when no broker can be reached: an outage is for the connect path to wait out', async () => {
    await checkKafkaTls([`127.0.0.1:${await freePort()}`], { ca: certs.ca.pem });
  });

  it('says at once that the broker certificate is not trusted, not for this host, or that a client certificate is required', async () => {
    const b = await tlsBroker(true);
    const address = b.brokers[0]!;
    const client = { cert: certs.clientCert.pem, key: certs.clientKey.pem };
    const untrusted = await refusal(b.brokers, { ca: certs.otherCa.pem, ...client });
    expect(untrusted.code).to.equal('SELF_SIGNED_CERT_IN_CHAIN');
    expect(untrusted.message).to.equal(`Kafka broker ${address}: its certificate is not trusted: self-signed certificate in certificate chain (eventLog.tls.caFile names the CA that signed it)`);
    const otherHost = await refusal(b.brokers, { ca: certs.ca.pem, servername: 'elsewhere.test', ...client });
    expect(otherHost.message).to.match(new RegExp(`^Kafka broker ${address}: its certificate is not for this host: Hostname/IP does not match certificate's altnames: Host: elsewhere\\.test\\. .*\\(eventLog\\.tls\\.servername names the host to check it against\\)$`));
    const publicCasOnly = await refusal(b.brokers, { ...client });
    expect(publicCasOnly.message, 'without a CA, only the public CAs Node.js ships with are trusted').to.match(/its certificate is not trusted/);
    const noCertificate = await refusal(b.brokers, { ca: certs.ca.pem });
    expect(noCertificate.message).to.equal(
      `Kafka broker ${address} requires a client certificate signed by a CA it trusts (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED; eventLog.tls.certFile, eventLog.tls.keyFile)`,
    );
  });

  it('says when the broker port does not speak TLS', async () => {
    broker = await KafkaTestBroker.start();
    const error = await refusal(broker.brokers, { ca: certs.ca.pem });
    expect(error.message).to.match(new RegExp(`^Kafka broker ${broker.brokers[0]} closed the connection during the TLS handshake \\(.+\\): does it listen with TLS on this port\\? \\(eventLog\\.tls\\.enabled is true\\)$`));
  });
});
