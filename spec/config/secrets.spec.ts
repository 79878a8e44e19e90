// Secrets from the environment or mounted files only: `_FILE` wins, rotation is picked up, a bad
// rotation keeps the last good value, and a Secret never shows its value in logs or JSON.
import { expect } from 'chai';
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { format, inspect } from 'node:util';
import pino from 'pino';
import { MissingSecretsError, readSecret, requireSecrets, Secret, SecretFileError, SecretValueError } from '../../config/secrets.js';
import { REDACT_PATHS } from '../../runtime/observe/logger-redaction.js';
import { waitFor } from '../support/wait.js';

const KEY = 'sk-ant-very-secret-4f1c9e';

describe('config/secrets', () => {
  let dir: string;
  const opened: Secret[] = [];
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const track = <T extends Secret | undefined>(secret: T): T => {
    if (secret) opened.push(secret);
    return secret;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'regent-secrets-'));
  });

  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('readSecret', () => {
    it('reads the value from the environment', () => {
      const secret = readSecret('ANTHROPIC_API_KEY', { ANTHROPIC_API_KEY: KEY });
      expect(secret?.value()).to.equal(KEY);
      expect(secret?.source).to.equal('env');
    });

    it('trims an environment value and refuses one with a line break inside, without showing it', () => {
      expect(readSecret('ANTHROPIC_API_KEY', { ANTHROPIC_API_KEY: `  ${KEY}\n` })?.value()).to.equal(KEY);
      let error: unknown;
      try {
        readSecret('ANTHROPIC_API_KEY', { ANTHROPIC_API_KEY: `${KEY}\nX` });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(SecretValueError);
      expect(String((error as Error).message)).to.include('ANTHROPIC_API_KEY').and.not.include(KEY);
    });

    it('reads the trimmed content of the file NAME_FILE points at', () => {
      const file = write('key', `  ${KEY}\n`);
      const secret = track(readSecret('ANTHROPIC_API_KEY', { ANTHROPIC_API_KEY_FILE: file }));
      expect(secret?.value()).to.equal(KEY);
      expect(secret?.source).to.equal('file');
    });

    it('prefers NAME_FILE over NAME', () => {
      const file = write('key', 'from-file');
      const secret = track(readSecret('API_SECRET', { API_SECRET: 'from-env', API_SECRET_FILE: file }));
      expect(secret?.value()).to.equal('from-file');
    });

    it('returns undefined when neither is set, and treats empty variables as unset', () => {
      expect(readSecret('API_SECRET', {})).to.equal(undefined);
      expect(readSecret('API_SECRET', { API_SECRET: '', API_SECRET_FILE: '' })).to.equal(undefined);
    });

    it('throws SecretFileError when NAME_FILE names a missing or empty file', () => {
      expect(() => readSecret('API_SECRET', { API_SECRET_FILE: join(dir, 'nope') })).to.throw(SecretFileError, /API_SECRET.*nope.*ENOENT/);
      const empty = write('empty', ' \n');
      expect(() => readSecret('API_SECRET', { API_SECRET_FILE: empty })).to.throw(SecretFileError, /is empty/);
    });

    it('rejects a name that is not an environment variable name', () => {
      expect(() => readSecret('api-key', {})).to.throw(TypeError, /invalid secret name/);
    });
  });

  describe('requireSecrets', () => {
    it('returns every secret by name', () => {
      const file = write('b', 'bee');
      const secrets = requireSecrets(['A', 'B'], { A: 'ay', B_FILE: file });
      opened.push(...Object.values(secrets));
      expect(secrets.A.value()).to.equal('ay');
      expect(secrets.B.value()).to.equal('bee');
    });

    it('throws MissingSecretsError naming every missing secret and how to provide it', () => {
      let caught: unknown;
      try {
        requireSecrets(['ANTHROPIC_API_KEY', 'PRESENT', 'BINANCE_API_SECRET'], { PRESENT: 'x' });
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(MissingSecretsError);
      const error = caught as MissingSecretsError;
      expect(error.missing).to.deep.equal(['ANTHROPIC_API_KEY', 'BINANCE_API_SECRET']);
      expect(error.message).to.include('set ANTHROPIC_API_KEY or ANTHROPIC_API_KEY_FILE');
      expect(error.message).to.include('set BINANCE_API_SECRET or BINANCE_API_SECRET_FILE');
      expect(error.message).not.to.include('PRESENT');
    });
  });

  describe('rotation of a mounted file', () => {
    it('picks up a rewritten file and tells onRotate listeners', async () => {
      const file = write('key', 'first-key');
      const secret = track(readSecret('K', { K_FILE: file }, { pollIntervalMs: 10 }))!;
      const seen: string[] = [];
      secret.onRotate((s) => seen.push(s.value()));
      write('key', 'second-key-longer');
      await waitFor('the rotated value', () => secret.value() === 'second-key-longer', 5_000);
      await waitFor('onRotate to fire', () => seen.length === 1, 5_000);
      expect(seen).to.deep.equal(['second-key-longer']);
    });

    it('picks up a file replaced by rename, as secret mounts do', async () => {
      const file = write('key', 'first-key');
      const secret = track(readSecret('K', { K_FILE: file }, { pollIntervalMs: 10 }))!;
      renameSync(write('key.new', 'renamed-in-key'), file);
      await waitFor('the renamed-in value', () => secret.value() === 'renamed-in-key', 5_000);
    });

    it('keeps the last good value and reports when the file is emptied or removed, then recovers', async () => {
      const file = write('key', 'good-key');
      const errors: Error[] = [];
      const secret = track(readSecret('K', { K_FILE: file }, { pollIntervalMs: 10, onError: (e) => errors.push(e) }))!;
      let rotations = 0;
      secret.onRotate(() => rotations++);

      write('key', '');
      await waitFor('an error report for the emptied file', () => errors.length >= 1, 5_000);
      expect(errors[0]).to.be.instanceOf(SecretFileError);
      expect(errors[0]!.message).to.match(/K_FILE.*is empty/);
      expect(secret.value()).to.equal('good-key');

      unlinkSync(file);
      await waitFor('an error report for the removed file', () => errors.some((e) => /ENOENT/.test(e.message)), 5_000);
      expect(secret.value()).to.equal('good-key');
      expect(rotations).to.equal(0);

      write('key', 'next-good-key');
      await waitFor('the recovered value', () => secret.value() === 'next-good-key', 5_000);
      expect(rotations).to.equal(1);
    });

    it('reports a throwing listener instead of crashing, and still tells the others', async () => {
      const file = write('key', 'first-key');
      const errors: Error[] = [];
      const secret = track(readSecret('K', { K_FILE: file }, { pollIntervalMs: 10, onError: (e) => errors.push(e) }))!;
      let told = false;
      secret.onRotate(() => {
        throw new Error('listener broke');
      });
      secret.onRotate(() => (told = true));
      write('key', 'second-key-longer');
      await waitFor('the second listener', () => told, 5_000);
      expect(errors.map((e) => e.message)).to.deep.equal(['listener broke']);
    });

    it('stops following the file after close()', async () => {
      const file = write('key', 'first-key');
      const errors: Error[] = [];
      const secret = readSecret('K', { K_FILE: file }, { pollIntervalMs: 10, onError: (e) => errors.push(e) })!;
      secret.close();
      write('key', 'second-key-longer');
      // A second, still-open secret on the same file proves the change was visible to watchers.
      const witness = track(readSecret('K', { K_FILE: file }, { pollIntervalMs: 10 }))!;
      write('key', 'third-key-even-longer');
      await waitFor('the witness to see the change', () => witness.value() === 'third-key-even-longer', 5_000);
      expect(secret.value()).to.equal('first-key');
      expect(errors).to.deep.equal([]);
    });
  });

  describe('never leaks its value', () => {
    it('stringifies, serialises and inspects as [redacted]', () => {
      const secret = new Secret('K', KEY);
      expect(String(secret)).to.equal('[redacted]');
      expect(`${secret}`).to.equal('[redacted]');
      expect(JSON.stringify({ secret })).to.equal('{"secret":"[redacted]"}');
      expect(inspect(secret)).to.equal('[redacted]');
      expect(inspect({ nested: { secret } }, { depth: 5, showHidden: true })).not.to.include(KEY);
      expect(format('%s %o %O %j', secret, secret, secret, secret)).not.to.include(KEY);
    });

    it('keeps the key out of pino output logged every common way', () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const log = pino({ level: 'trace', redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } }, sink);
      const secret = new Secret('ANTHROPIC_API_KEY', KEY);

      log.info({ apiKey: KEY }, 'key as a field');
      log.info({ headers: { 'x-api-key': KEY, authorization: `Bearer ${KEY}` } }, 'key in headers');
      log.info({ req: { headers: { 'x-mbx-apikey': KEY } } }, 'key in request headers');
      log.info({ llm: { password: KEY, privateKey: KEY, apiSecret: KEY } }, 'key one level down');
      log.info(secret, 'secret as the merging object');
      log.info({ anthropicKey: secret }, 'secret under an unlisted field');
      log.error(new Error(`auth failed for key ${secret}`), 'error built from the secret');
      log.info(JSON.stringify({ anthropic: { model: 'claude', apiKey: secret }, token: 'SOL' }));

      const output = lines.join('');
      expect(lines).to.have.length(8);
      expect(output).not.to.include(KEY);
      expect(output.match(/\[redacted\]/g)?.length ?? 0).to.be.at.least(10);
      // `token` names the traded asset and stays readable.
      expect(output).to.include('SOL');
    });
  });
});
