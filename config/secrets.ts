// Secrets (API keys, signing keys) come only from the environment or from mounted files, never from
// config files or CLI flags. `NAME_FILE` names a file holding the secret (a Kubernetes or Docker
// secret mount) and wins over `NAME`; the file is watched so a rotated secret is picked up without
// a restart. A Secret never shows its value when logged, inspected, stringified or serialised.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';

const REDACTED = '[redacted]';
const DEFAULT_POLL_MS = 1_000;

export interface SecretOptions {
  /** Told when a watched file cannot be read, is emptied, or a rotate listener throws; the last good value stays. Defaults to a process warning. */
  readonly onError?: (error: Error) => void;
  /** How often a mounted file is checked for changes. */
  readonly pollIntervalMs?: number;
}

/** A secret file that cannot be used: unreadable or empty. */
export class SecretFileError extends Error {
  override readonly name = 'SecretFileError';
  readonly exitCode = 2;
  constructor(
    readonly secret: string,
    readonly file: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`secret ${secret}: file ${file} (from ${secret}_FILE) ${reason}`, options);
  }
}

export class MissingSecretsError extends Error {
  override readonly name = 'MissingSecretsError';
  /** Process exit code for a CLI that cannot start without its secrets. */
  readonly exitCode = 2;

  constructor(readonly missing: readonly string[]) {
    const n = missing.length;
    super(
      `missing ${n} secret${n === 1 ? '' : 's'} (secrets come only from the environment or mounted files, never from config files or flags):\n` +
        missing.map((name) => `  - ${name}: set ${name} or ${name}_FILE (the path of a file holding it)`).join('\n'),
    );
  }
}

export type SecretSource = 'env' | 'file';

export class Secret {
  // Private fields: not enumerable, so a logger walking the object finds nothing to print.
  #value: string;
  readonly #name: string;
  readonly #source: SecretSource;
  readonly #listeners = new Set<(secret: Secret) => void>();
  #stop: (() => void) | undefined;

  /** A fixed secret, e.g. from an environment variable. */
  constructor(name: string, value: string, source: SecretSource = 'env') {
    this.#name = name;
    this.#value = value;
    this.#source = source;
  }

  /**
   * A secret read from a mounted file and re-read when the file changes (polled, so it works on
   * the symlink swaps Kubernetes does). An unreadable or emptied file keeps the last good value.
   */
  static fromFile(name: string, file: string, options: SecretOptions = {}): Secret {
    const onError = options.onError ?? ((error: Error) => process.emitWarning(error));
    const secret = new Secret(name, readSecretFile(name, file), 'file');
    const changed = (): void => {
      let value: string;
      try {
        value = readSecretFile(name, file);
      } catch (error) {
        onError(error as Error);
        return;
      }
      secret.#rotate(value, onError);
    };
    const interval = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    // persistent: false, so a watched secret never keeps the process alive.
    watchFile(file, { interval, persistent: false }, changed);
    // watchFile compares against a first stat it takes asynchronously, so a change landing between
    // the read above and that stat would go unseen: read once more after it has surely been taken.
    const catchUp = setTimeout(changed, 2 * interval).unref();
    secret.#stop = () => {
      clearTimeout(catchUp);
      unwatchFile(file, changed);
    };
    return secret;
  }

  /** The environment variable name, e.g. ANTHROPIC_API_KEY. */
  get name(): string {
    return this.#name;
  }

  get source(): SecretSource {
    return this.#source;
  }

  /** The current value; read it at the moment of use so a rotation takes effect. */
  value(): string {
    return this.#value;
  }

  /** Called after the value changed; returns an unsubscribe function. */
  onRotate(listener: (secret: Secret) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops watching the file. Idempotent. */
  close(): void {
    this.#stop?.();
    this.#stop = undefined;
    this.#listeners.clear();
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }

  #rotate(value: string, onError: (error: Error) => void): void {
    if (value === this.#value) return;
    this.#value = value;
    for (const listener of this.#listeners) {
      try {
        listener(this);
      } catch (error) {
        onError(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }
}

/**
 * The secret `name`: the trimmed content of the file `${name}_FILE` names (watched for rotation),
 * else `${name}` from the environment, else undefined. Empty variables count as unset. Throws
 * SecretFileError when `${name}_FILE` is set but the file is unreadable or empty.
 */
export function readSecret(name: string, env: NodeJS.ProcessEnv = process.env, options: SecretOptions = {}): Secret | undefined {
  checkName(name);
  const file = env[`${name}_FILE`];
  if (file) return Secret.fromFile(name, file, options);
  const value = env[name]?.trim();
  if (!value) return undefined;
  checkValue(name, value);
  return new Secret(name, value, 'env');
}

/** A secret with control characters inside would break (or leak through) the headers it goes into. */
function checkValue(name: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new SecretValueError(name);
}

/** A secret that is present but unusable; the message names it and says why, never showing its value. */
export class SecretValueError extends Error {
  override readonly name = 'SecretValueError';
  readonly exitCode = 2;
  constructor(
    readonly secret: string,
    problem = 'contains control characters (a line break inside?): it cannot be used as a header value',
    /** The variable it was read through when not `secret` itself, e.g. NAME_FILE. */
    from?: string,
  ) {
    super(`secret ${secret}${from ? ` (from ${from})` : ''} ${problem}`);
  }

  /** A secret the component using it cannot use, e.g. a key of the wrong shape. */
  static unusable(secret: Secret, problem: string): SecretValueError {
    return new SecretValueError(secret.name, problem, secret.source === 'file' ? `${secret.name}_FILE` : undefined);
  }
}

/** Every named secret, or a MissingSecretsError listing all that are missing. */
export function requireSecrets<N extends string>(
  names: readonly N[],
  env: NodeJS.ProcessEnv = process.env,
  options: SecretOptions = {},
): Record<N, Secret> {
  const found = {} as Record<N, Secret>;
  const missing: N[] = [];
  const closeAll = (): void => Object.values<Secret>(found).forEach((s) => s.close());
  try {
    for (const name of names) {
      const secret = readSecret(name, env, options);
      if (secret) found[name] = secret;
      else missing.push(name);
    }
  } catch (error) {
    closeAll();
    throw error;
  }
  if (missing.length > 0) {
    closeAll();
    throw new MissingSecretsError(missing);
  }
  return found;
}

function readSecretFile(name: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SecretFileError(name, file, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  const value = text.trim();
  if (value === '') throw new SecretFileError(name, file, 'is empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new SecretFileError(name, file, 'holds control characters (more than one line?)');
  return value;
}

function checkName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`invalid secret name ${JSON.stringify(name)}: expected an environment variable name`);
}
