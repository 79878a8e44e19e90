// The only module that touches nact. It gives the kernel typed spawn/dispatch/stop and installs
// crash policies that can never throw (a throwing nact policy would kill the process: DESIGN.md,
// nact's traps). Regent decides restarts itself; nact only ever stops a crashed actor.
import * as nact from 'nact';

export type NactRef = nact.Ref<any>;

export function startNactSystem(name: string): NactRef {
  return nact.start({ name } as unknown as nact.Plugin);
}

export function stopNactSystem(system: NactRef): void {
  nact.stop(system);
}

export interface SpawnOptions<S, M> {
  readonly parent: NactRef;
  readonly name: string;
  readonly initialState: S;
  readonly handle: (state: S, message: M) => Promise<S> | S;
  /** Told about a crash; whatever it does, the nact actor is then stopped. Must not throw. */
  readonly onCrash?: (message: M, error: unknown) => void;
}

/** nact names allow only RFC 1738 characters, so `position:SOL` becomes `position.SOL` in nact paths. */
export function nactName(id: string): string {
  return id.replace(/[^a-z0-9\-$_.+!*'(),]/gi, (c) => (c === ':' ? '.' : `_${c.codePointAt(0)!.toString(16)}_`));
}

export function spawnActor<S, M>(options: SpawnOptions<S, M>): NactRef {
  const { onCrash } = options;
  return nact.spawn(options.parent, (state: S, message: M) => options.handle(state, message), nactName(options.name), {
    initialState: options.initialState,
    onCrash: (message: M, error: unknown, ctx: any) => {
      try {
        onCrash?.(message, error);
      } catch {
        // Deliberately swallowed: a throwing policy would become an unhandled rejection in nact.
      }
      return ctx.stop;
    },
  } as any);
}

export function dispatchTo<M>(ref: NactRef, message: M): void {
  nact.dispatch(ref, message);
}

export function stopActor(ref: NactRef): void {
  nact.stop(ref);
}
