// The ConfigError a call throws, for specs that assert on its issues; fails when it throws none.
import { expect } from 'chai';
import { ConfigError } from '../../config/config-error.js';

export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
