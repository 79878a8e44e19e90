// Which Host names the ops server answers: its guard against DNS rebinding, where a web page makes
// its own name resolve to this server and reads it as "same origin". The rule is the same for
// every path and whether or not an operator token is set:
// - always: the loopback names (127.0.0.1, localhost, [::1]) and the configured http.allowedHosts;
// - when the server listens on another address: also any IP address (a name can be rebound, an
//   address cannot, and kubelet probes and Prometheus scrapes name the pod IP) and this machine's
//   host name.
// The port in the Host header is not compared (port-forwards and proxies change it).
import { isIP } from 'node:net';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1']);

/** Whether a listen address only takes connections from this machine. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return LOOPBACK_NAMES.has(h) || (isIP(h) === 4 && h.startsWith('127.'));
}

export interface HostRuleOptions {
  /** The address the server listens on. */
  readonly listenHost: string;
  readonly allowedHosts: readonly string[];
  /** This machine's host name (os.hostname()). */
  readonly machineName: string;
}

/** Builds the predicate the server applies to every request's Host header. */
export function hostRule(options: HostRuleOptions): (hostHeader: string | undefined) => boolean {
  const offLoopback = !isLoopbackAddress(options.listenHost);
  const exact = new Set<string>(LOOPBACK_NAMES);
  const suffixes: string[] = [];
  for (const entry of options.allowedHosts) {
    const name = normalise(entry);
    if (name.startsWith('*.')) suffixes.push(name.slice(1));
    else exact.add(name);
  }
  if (offLoopback && options.machineName) exact.add(normalise(options.machineName));
  return (hostHeader) => {
    const name = hostName(hostHeader);
    if (name === undefined) return false;
    if (exact.has(name)) return true;
    if (offLoopback && isIP(name) !== 0) return true;
    return suffixes.some((s) => name.endsWith(s) && name.length > s.length);
  };
}

/** The name part of a Host header ("[::1]:9464" -> "::1"), lower-case; undefined when malformed. */
function hostName(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/i.exec(header);
  if (bracketed) return isIP(bracketed[1]!) === 6 ? bracketed[1]!.toLowerCase() : undefined;
  const plain = /^([A-Za-z0-9_.-]+)(?::\d{1,5})?$/.exec(header);
  return plain ? normalise(plain[1]!) : undefined;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
