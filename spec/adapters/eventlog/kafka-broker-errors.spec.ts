import { expect } from 'chai';
import kafkajs from 'kafkajs';
import { RecordsNotAcknowledgedError } from '../../../adapters/eventlog/kafka/batching-producer.js';
import { isBrokerUnavailable } from '../../../adapters/eventlog/kafka/broker-errors.js';
import { UnknownTopicError } from '../../../runtime/ports/event-log.js';

const { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;
/** kafkajs's constructors take more than its typings say (a cause, a protocol error description). */
const make = (ErrorClass: unknown, ...args: unknown[]): Error => new (ErrorClass as new (...a: unknown[]) => Error)(...args);

describe('Kafka failures a broker outage explains (broker-errors)', () => {
  const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9094', { broker: '127.0.0.1:9094', code: 'ECONNREFUSED' });

  it('waits out an unreachable broker, also when kafkajs wrapped it after its retries or a bail', () => {
    expect(isBrokerUnavailable(refused)).to.equal(true);
    expect(isBrokerUnavailable(make(KafkaJSNumberOfRetriesExceeded, refused, { retryCount: 5, retryTime: 100 }))).to.equal(true);
    expect(isBrokerUnavailable(make(KafkaJSNonRetriableError, refused, { cause: refused }))).to.equal(true);
  });

  it('waits out a moving leader, not a request the cluster refuses', () => {
    const notLeader = make(KafkaJSProtocolError, { type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true, message: 'not the leader' });
    const denied = make(KafkaJSProtocolError, { type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false, message: 'not authorized' });
    expect(isBrokerUnavailable(notLeader)).to.equal(true);
    expect(isBrokerUnavailable(new RecordsNotAcknowledgedError(['price.ticks/3'])), 'records still unacknowledged after several sends').to.equal(true);
    expect(isBrokerUnavailable(denied)).to.equal(false);
  });

  it('fails at once on anything else', () => {
    expect(isBrokerUnavailable(new KafkaJSNonRetriableError('Invalid topic undefined'))).to.equal(false);
    expect(isBrokerUnavailable(new UnknownTopicError('nope'))).to.equal(false);
    expect(isBrokerUnavailable(new TypeError('x is undefined'))).to.equal(false);
  });
});
