// The OperatorApi port, inverted: the ops server's operator endpoints (adapters/http) call it and
// the application implements it (app/operator-api.ts). Generic in the command, so the kernel does
// not know which commands an operator has; Regent's are the execution actor's (OperatorCommand in
// actors/execution/events.ts).

/** A command that cannot be published right now (answered 503 with the message). */
export class OperatorUnavailableError extends Error {
  override readonly name = 'OperatorUnavailableError';
}

export interface OperatorApi<Command> {
  /** The state an operator reads (the execution actor's safety state), or undefined when it is not running here. */
  status(): Promise<unknown>;
  /** Publishes the command; resolves with the command event's id. */
  command(command: Command): Promise<string>;
  /** The bearer token POSTs must carry, when one is configured. */
  token(): string | undefined;
  /** Whether the server listens on loopback only (then POSTs need no token). */
  readonly loopbackOnly: boolean;
}
