// Kafka TLS and SASL from settings and secrets: REGENT_EVENT_LOG__TLS__* / __SASL__* name the
// files and the user, the password comes only from KAFKA_SASL_PASSWORD[_FILE] (rotated files are
// picked up), a key passphrase from KAFKA_TLS_KEY_PASSPHRASE[_FILE]. What is missing or unusable
// stops the start naming the setting or secret (exit code 2); no log line shows a password or key.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { ConfigError } from '../../config/config-error.js';
import { loadConfig } from '../../config/load.js';
import { MissingSecretsError } from '../../config/secrets.js';
import { SettingFileError } from '../../config/setting-file-error.js';
import { composeKafkaSecurity, type ComposedKafkaSecurity } from '../../app/compose-kafka-security.js';
import { createRegent } from '../../app/compose.js';
import { makeTestCertificates, pemBody, type TestCertificates } from '../support/tls-certificates.js';
import { waitFor } from '../support/wait.js';

const PASSWORD = 'sasl-password-9d2e77';

function memoryLogger(): { logger: Logger; text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    logger: pino({ level: 'trace', base: undefined, timestamp: false }, sink),
    text,
    lines: () => text().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('Kafka TLS and SASL settings and secrets', function () {
  this.timeout(20_000);
  let certs: TestCertificates;
  let dir: string;
  const composed: ComposedKafkaSecurity[] = [];

  before(() => {
    certs = makeTestCertificates();
  });

  after(() => certs.remove());

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'regent-kafka-secrets-'));
  });

  afterEach(() => {
    for (const c of composed.splice(0)) c.release();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  /** Loads the settings from `env` (as the CLI does) and composes the security from them. */
  function compose(env: NodeJS.ProcessEnv, logger: Logger = memoryLogger().logger): ComposedKafkaSecurity {
    const config = loadConfig({ env: { REGENT_EVENT_LOG__KIND: 'kafka', ...env } });
    const security = composeKafkaSecurity(config.eventLog, logger, env);
    composed.push(security);
    return security;
  }

  function thrown(call: () => unknown): Error {
    try {
      call();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected an error, none was thrown');
  }

  const mutualTls = (): NodeJS.ProcessEnv => ({
    REGENT_EVENT_LOG__TLS__ENABLED: 'true',
    REGENT_EVENT_LOG__TLS__CA_FILE: certs.ca.path,
    REGENT_EVENT_LOG__TLS__CERT_FILE: certs.clientCert.path,
    REGENT_EVENT_LOG__TLS__KEY_FILE: certs.encryptedClientKey.path,
  });

  describe('settings', () => {
    it('maps REGENT_EVENT_LOG__TLS__* and __SASL__* onto eventLog.tls and eventLog.sasl, TLS off and no SASL by default', () => {
      expect(loadConfig({ env: {} }).eventLog).to.deep.include({ tls: { enabled: false, rejectUnauthorized: true } });
      expect(loadConfig({ env: {} }).eventLog.sasl).to.equal(undefined);
      const config = loadConfig({
        env: {
          ...mutualTls(),
          REGENT_EVENT_LOG__TLS__SERVERNAME: 'kafka.test',
          REGENT_EVENT_LOG__TLS__REJECT_UNAUTHORIZED: 'false',
          REGENT_EVENT_LOG__SASL__MECHANISM: 'scram-sha-512',
          REGENT_EVENT_LOG__SASL__USERNAME: 'regent',
        },
      });
      expect(config.eventLog.tls).to.deep.equal({
        enabled: true,
        caFile: certs.ca.path,
        certFile: certs.clientCert.path,
        keyFile: certs.encryptedClientKey.path,
        servername: 'kafka.test',
        rejectUnauthorized: false,
      });
      expect(config.eventLog.sasl).to.deep.equal({ mechanism: 'scram-sha-512', username: 'regent' });
    });

    it('refuses a password as a setting, naming the secret to use and never showing the value', () => {
      const error = thrown(() =>
        loadConfig({ env: { REGENT_EVENT_LOG__SASL__MECHANISM: 'plain', REGENT_EVENT_LOG__SASL__USERNAME: 'regent', REGENT_EVENT_LOG__SASL__PASSWORD: PASSWORD } }),
      );
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.contain(
        'eventLog.sasl.password (env REGENT_EVENT_LOG__SASL__PASSWORD): never a setting: the password comes only from KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE',
      );
      expect(error.message).not.to.contain(PASSWORD);
    });

    it('refuses TLS files named while TLS is off, and a client certificate without its key', () => {
      const off = thrown(() => loadConfig({ env: { REGENT_EVENT_LOG__TLS__CA_FILE: certs.ca.path } }));
      expect(off.message).to.contain('eventLog.tls.caFile (env REGENT_EVENT_LOG__TLS__CA_FILE): set only with eventLog.tls.enabled true');
      const half = thrown(() => loadConfig({ env: { REGENT_EVENT_LOG__TLS__ENABLED: 'true', REGENT_EVENT_LOG__TLS__CERT_FILE: certs.clientCert.path } }));
      expect(half.message).to.contain('eventLog.tls.keyFile (env REGENT_EVENT_LOG__TLS__CERT_FILE): required with eventLog.tls.certFile (a client certificate needs its key)');
    });
  });

  describe('composition', () => {
    it('reads the CA, the client certificate and its encrypted key, with the passphrase from KAFKA_TLS_KEY_PASSPHRASE_FILE', () => {
      const log = memoryLogger();
      const { security } = compose(
        { ...mutualTls(), REGENT_EVENT_LOG__TLS__SERVERNAME: 'kafka.test', KAFKA_TLS_KEY_PASSPHRASE_FILE: write('passphrase', `${certs.clientKeyPassphrase}\n`) },
        log.logger,
      );
      expect(security.tls).to.deep.equal({
        rejectUnauthorized: true,
        ca: certs.ca.pem,
        cert: certs.clientCert.pem,
        key: certs.encryptedClientKey.pem,
        passphrase: certs.clientKeyPassphrase,
        servername: 'kafka.test',
      });
      expect(security.sasl).to.equal(undefined);
      const [line] = log.lines();
      expect(line).to.deep.include({ msg: 'Kafka connection security', sasl: false });
      expect(line!['tls']).to.deep.equal({ caFile: certs.ca.path, certFile: certs.clientCert.path, keyFile: certs.encryptedClientKey.path, servername: 'kafka.test', rejectUnauthorized: true });
      expect(log.text()).not.to.contain(certs.clientKeyPassphrase);
      expect(log.text()).not.to.contain(pemBody(certs.encryptedClientKey.pem).slice(0, 40));
    });

    it('takes the SASL password from KAFKA_SASL_PASSWORD_FILE and uses a rotated file from then on', async () => {
      const file = write('password', `${PASSWORD}\n`);
      const log = memoryLogger();
      const { security } = compose(
        { REGENT_EVENT_LOG__SASL__MECHANISM: 'scram-sha-256', REGENT_EVENT_LOG__SASL__USERNAME: 'regent', KAFKA_SASL_PASSWORD_FILE: file, KAFKA_SASL_PASSWORD: 'loses to the file' },
        log.logger,
      );
      expect(security.tls).to.equal(undefined);
      expect(security.sasl?.mechanism).to.equal('scram-sha-256');
      expect(security.sasl?.username).to.equal('regent');
      expect(security.sasl?.password()).to.equal(PASSWORD);
      expect(log.lines()[0]).to.deep.include({ tls: false, sasl: { mechanism: 'scram-sha-256', username: 'regent', passwordFrom: 'KAFKA_SASL_PASSWORD_FILE' } });
      writeFileSync(file, 'rotated-password\n');
      await waitFor('the rotated password', () => security.sasl?.password() === 'rotated-password', 10_000);
      expect(log.text()).not.to.contain(PASSWORD);
      expect(log.text()).not.to.contain('rotated-password');
    });

    it('takes the SASL password from KAFKA_SASL_PASSWORD', () => {
      const { security } = compose({ REGENT_EVENT_LOG__SASL__MECHANISM: 'plain', REGENT_EVENT_LOG__SASL__USERNAME: 'regent', KAFKA_SASL_PASSWORD: PASSWORD });
      expect(security.sasl?.password()).to.equal(PASSWORD);
    });

    it('stops the start with MissingSecretsError (exit code 2) when SASL is set and no password is given', () => {
      const error = thrown(() => compose({ REGENT_EVENT_LOG__SASL__MECHANISM: 'scram-sha-512', REGENT_EVENT_LOG__SASL__USERNAME: 'regent' }));
      expect(error).to.be.instanceOf(MissingSecretsError);
      expect((error as MissingSecretsError).exitCode).to.equal(2);
      expect(error.message).to.contain('KAFKA_SASL_PASSWORD: set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE');
    });

    it('is composed by createRegent for the Kafka event log only: SASL settings ask for no password on the in-process log', async () => {
      const sasl = { REGENT_EVENT_LOG__SASL__MECHANISM: 'scram-sha-512', REGENT_EVENT_LOG__SASL__USERNAME: 'regent', REGENT_HTTP__ENABLED: 'false' };
      const logger = memoryLogger().logger;
      const onKafka = thrown(() => createRegent(loadConfig({ env: { ...sasl, REGENT_EVENT_LOG__KIND: 'kafka' } }), { logger, env: {} }));
      expect(onKafka).to.be.instanceOf(MissingSecretsError);
      const inProcess = createRegent(loadConfig({ env: sasl }), { logger, env: {} });
      await inProcess.close();
    });

    it('names the setting and the file when a TLS file cannot be used (SettingFileError, exit code 2)', () => {
      const cases: [NodeJS.ProcessEnv, string][] = [
        [{ REGENT_EVENT_LOG__TLS__ENABLED: 'true', REGENT_EVENT_LOG__TLS__CA_FILE: join(dir, 'missing.pem') }, `eventLog.tls.caFile: file ${join(dir, 'missing.pem')} cannot be read: ENOENT`],
        [{ REGENT_EVENT_LOG__TLS__ENABLED: 'true', REGENT_EVENT_LOG__TLS__CA_FILE: write('not-a-cert.pem', 'hello\n') }, `eventLog.tls.caFile: file ${join(dir, 'not-a-cert.pem')} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`],
        [
          { REGENT_EVENT_LOG__TLS__ENABLED: 'true', REGENT_EVENT_LOG__TLS__CA_FILE: write('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n') },
          `eventLog.tls.caFile: file ${join(dir, 'broken.pem')} holds a certificate that does not parse (number 1:`,
        ],
        [{ ...mutualTls() }, `eventLog.tls.keyFile: file ${certs.encryptedClientKey.path} holds an encrypted key: set KAFKA_TLS_KEY_PASSPHRASE or KAFKA_TLS_KEY_PASSPHRASE_FILE`],
        [{ ...mutualTls(), KAFKA_TLS_KEY_PASSPHRASE: 'not the passphrase' }, `eventLog.tls.keyFile: file ${certs.encryptedClientKey.path} cannot be decrypted with KAFKA_TLS_KEY_PASSPHRASE (wrong passphrase?)`],
        [
          { ...mutualTls(), REGENT_EVENT_LOG__TLS__KEY_FILE: certs.brokerKey.path },
          `eventLog.tls.keyFile: file ${certs.brokerKey.path} does not hold the private key of the certificate in eventLog.tls.certFile (${certs.clientCert.path})`,
        ],
        [{ ...mutualTls(), REGENT_EVENT_LOG__TLS__KEY_FILE: certs.ca.path }, `eventLog.tls.keyFile: file ${certs.ca.path} holds no usable PEM private key (`],
      ];
      for (const [env, message] of cases) {
        const error = thrown(() => compose(env));
        expect(error, message).to.be.instanceOf(SettingFileError);
        expect((error as SettingFileError).exitCode).to.equal(2);
        expect(error.message).to.contain(message);
        expect(error.message).not.to.contain('not the passphrase');
      }
    });

    it('warns that SASL PLAIN without TLS sends the password in the clear, and that rejectUnauthorized false accepts any broker', () => {
      const plain = memoryLogger();
      compose({ REGENT_EVENT_LOG__SASL__MECHANISM: 'plain', REGENT_EVENT_LOG__SASL__USERNAME: 'regent', KAFKA_SASL_PASSWORD: PASSWORD }, plain.logger);
      expect(plain.lines().filter((l) => l['level'] === 40).map((l) => l['msg'])).to.deep.equal([
        'SASL PLAIN without TLS (eventLog.tls.enabled false): the password goes over the network in the clear',
      ]);
      const unchecked = memoryLogger();
      compose({ REGENT_EVENT_LOG__TLS__ENABLED: 'true', REGENT_EVENT_LOG__TLS__REJECT_UNAUTHORIZED: 'false' }, unchecked.logger);
      expect(unchecked.lines().filter((l) => l['level'] === 40).map((l) => l['msg'])).to.deep.equal([
        'eventLog.tls.rejectUnauthorized is false: any broker certificate is accepted (anyone between Regent and the brokers can read and change the traffic)',
      ]);
      const scram = memoryLogger();
      compose({ REGENT_EVENT_LOG__SASL__MECHANISM: 'scram-sha-256', REGENT_EVENT_LOG__SASL__USERNAME: 'regent', KAFKA_SASL_PASSWORD: PASSWORD }, scram.logger);
      expect(scram.lines().filter((l) => l['level'] === 40)).to.deep.equal([]);
    });
  });
});
