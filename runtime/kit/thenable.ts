/** True for a promise or anything else with a `then` (a handler may return either a state or a promise of one). */
export function isThenable<S>(x: S | PromiseLike<S>): x is PromiseLike<S> {
  return typeof (x as PromiseLike<S> | undefined)?.then === 'function';
}
