// The real CLI on a Kafka broker that wants TLS with a client certificate and SASL SCRAM-SHA-512:
// settings from REGENT_EVENT_LOG__TLS__* / __SASL__*, the password from KAFKA_SASL_PASSWORD_FILE and
// the key's passphrase from KAFKA_TLS_KEY_PASSPHRASE. A run goes through (exit 0, summary) and no
// password, passphrase or key shows in its output at trace level; a wrong password, an untrusted
// broker certificate or a missing client certificate stops the start in one line (exit 1), a
// missing password or an unreadable CA file before anything is opened (exit 2).
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRun, envWithout, runNode, stopAll, type CliResult } from '../support/cli-process.js';
import { KafkaTestBroker } from '../support/kafka-broker/broker.js';
import { makeTestCertificates, pemBody, type TestCertificates } from '../support/tls-certificates.js';

const CLI = join(process.cwd(), 'dist/app/cli.js');
const PASSWORD = 'cli-sasl-password-3a9f41';

describe('the CLI on Kafka with TLS and SASL (real CLI)', function () {
  this.timeout(90_000);
  let certs: TestCertificates;
  let broker: KafkaTestBroker;
  let dir: string;
  let passwordFile: string;

  before(async () => {
    certs = makeTestCertificates();
    dir = mkdtempSync(join(tmpdir(), 'regent-cli-kafka-'));
    passwordFile = join(dir, 'kafka-password');
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    broker = await KafkaTestBroker.start({
      tls: { key: certs.brokerKey.pem, cert: certs.brokerCert.pem, ca: certs.ca.pem, requestCert: true },
      sasl: { mechanisms: ['SCRAM-SHA-512'], users: { regent: PASSWORD } },
    });
  });

  after(async () => {
    stopAll();
    await broker.close();
    certs.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (settings: Record<string, string>): NodeJS.ProcessEnv => ({
    ...envWithout(process.env, ['ANTHROPIC_API_KEY', 'OPS_API_TOKEN'], ['REGENT_', 'KAFKA_', 'npm_']),
    REGENT_EVENT_LOG__HEARTBEAT_INTERVAL_MS: '200',
    REGENT_EVENT_LOG__SESSION_TIMEOUT_MS: '3000',
    REGENT_EVENT_LOG__TLS__ENABLED: 'true',
    REGENT_EVENT_LOG__TLS__CA_FILE: certs.ca.path,
    REGENT_EVENT_LOG__TLS__CERT_FILE: certs.clientCert.path,
    REGENT_EVENT_LOG__TLS__KEY_FILE: certs.encryptedClientKey.path,
    KAFKA_TLS_KEY_PASSPHRASE: certs.clientKeyPassphrase,
    REGENT_EVENT_LOG__SASL__MECHANISM: 'scram-sha-512',
    REGENT_EVENT_LOG__SASL__USERNAME: 'regent',
    ...settings,
  });

  const run = (settings: Record<string, string>, args: readonly string[] = []): Promise<CliResult> =>
    runNode(CLI, ['--kafka', broker.brokers.join(','), '--events', '200', '--seed', '5', '--no-http', ...args], { env: env(settings), timeoutMs: 60_000 });

  const regentLines = (result: CliResult): string[] => result.stderr.split('\n').filter((l) => l.startsWith('regent: '));

  const expectNothingSecret = (result: CliResult, ...secrets: string[]): void => {
    const output = result.stdout + result.stderr;
    for (const secret of [PASSWORD, certs.clientKeyPassphrase, pemBody(certs.encryptedClientKey.pem).slice(0, 40), pemBody(certs.clientKey.pem).slice(0, 40), ...secrets]) {
      expect(output.includes(secret), `the output shows a secret (${secret.slice(0, 6)}...)`).to.equal(false);
    }
  };

  it('runs 200 events over TLS with a client certificate and SCRAM-SHA-512, and shows no secret even at trace level', async () => {
    const result = await run({ KAFKA_SASL_PASSWORD_FILE: passwordFile }, ['--log-level', 'trace', '--log-format', 'json']);
    expect(result.code, describeRun(result)).to.equal(0);
    expect(result.stdout).to.match(/Regent run summary \(seed 5, 200 feed events\)/);
    expect(broker.topics()).to.include('price.ticks');
    const secured = result.stderr.split('\n').filter((l) => l.includes('"Kafka connection security"'));
    expect(secured, describeRun(result)).to.have.length(1);
    expect(JSON.parse(secured[0]!)).to.deep.include({
      tls: { caFile: certs.ca.path, certFile: certs.clientCert.path, keyFile: certs.encryptedClientKey.path, rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'regent', passwordFrom: 'KAFKA_SASL_PASSWORD_FILE' },
    });
    expectNothingSecret(result);
  });

  it('stops the start in one line when the broker refuses the password (exit 1)', async () => {
    const result = await run({ KAFKA_SASL_PASSWORD: 'not-the-password-71' }, ['--log-format', 'json']);
    expect(result.code, describeRun(result)).to.equal(1);
    expect(regentLines(result)).to.deep.equal([
      'regent: could not start: SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    ]);
    expect(result.stdout).to.not.include('Regent running');
    expectNothingSecret(result, 'not-the-password-71');
  });

  it('stops the start in one line when the broker certificate is not from the configured CA (exit 1)', async () => {
    const result = await run({ KAFKA_SASL_PASSWORD_FILE: passwordFile, REGENT_EVENT_LOG__TLS__CA_FILE: certs.otherCa.path });
    expect(result.code, describeRun(result)).to.equal(1);
    expect(regentLines(result)).to.deep.equal([
      `regent: cannot start: Kafka broker ${broker.brokers[0]}: its certificate is not trusted: self-signed certificate in certificate chain (eventLog.tls.caFile names the CA that signed it)`,
    ]);
    expectNothingSecret(result);
  });

  it('stops the start in one line when the broker requires a client certificate and none is configured (exit 1)', async () => {
    const result = await run({ KAFKA_SASL_PASSWORD_FILE: passwordFile, REGENT_EVENT_LOG__TLS__CERT_FILE: '', REGENT_EVENT_LOG__TLS__KEY_FILE: '', KAFKA_TLS_KEY_PASSPHRASE: '' });
    expect(result.code, describeRun(result)).to.equal(1);
    expect(regentLines(result)).to.deep.equal([
      `regent: cannot start: Kafka broker ${broker.brokers[0]} requires a client certificate signed by a CA it trusts (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED; eventLog.tls.certFile, eventLog.tls.keyFile)`,
    ]);
  });

  it('refuses to start without the SASL password, naming the secret (exit 2)', async () => {
    const result = await run({});
    expect(result.code, describeRun(result)).to.equal(2);
    expect(result.stderr).to.include(
      'regent: cannot start the Kafka event log: missing 1 secret (secrets come only from the environment or mounted files, never from config files or flags):\n' +
        '  - KAFKA_SASL_PASSWORD: set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE (the path of a file holding it)\n',
    );
  });

  it('refuses to start when the CA file cannot be read, naming the setting and the file (exit 2)', async () => {
    const missing = join(dir, 'no-such-ca.pem');
    const result = await run({ KAFKA_SASL_PASSWORD_FILE: passwordFile, REGENT_EVENT_LOG__TLS__CA_FILE: missing });
    expect(result.code, describeRun(result)).to.equal(2);
    expect(regentLines(result)).to.deep.equal([`regent: cannot start: eventLog.tls.caFile: file ${missing} cannot be read: ENOENT`]);
  });
});
