// Operator endpoints of the ops server: read the execution actor's safety state, decide orders held
// for manual review, and work the kill switch. Decisions become `order.command` events (so they are
// recorded, replayed and audited like any input); the execution actor acts on them in order.
// When an operator token is configured (OPS_API_TOKEN[_FILE]) every POST (and, off loopback, every
// GET) must carry it as a bearer token; without one, nothing is served unless the server listens on
// loopback only. Browsers are kept out either way: a request with an Origin (or a cross-site
// Sec-Fetch-Site) is refused, and a POST must be application/json; the ops server has already
// refused Host names a rebound page would send (host-check.ts).
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { OperatorCommand } from '../../actors/execution/events.js';
import { OperatorUnavailableError, type OperatorApi } from '../../runtime/ports/operator-api.js';

/** The operator API of the execution actor: its safety state, and the commands of OperatorCommand. */
export type ExecutionOperatorApi = OperatorApi<OperatorCommand>;

export interface OperatorRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: string;
  /** Request headers that tell a browser apart (lower-case names). */
  readonly origin?: string;
  readonly secFetchSite?: string;
  readonly contentType?: string;
}

export interface OperatorResponse {
  readonly status: number;
  readonly body: unknown;
}

const operator = z.string().trim().min(1).max(100);
const killSwitchBody = z.strictObject({ mode: z.enum(['activate', 'reset']), by: operator, reason: z.string().trim().min(1).max(500) });
const reviewBody = z.strictObject({ by: operator, reason: z.string().trim().min(1).max(500).optional() });

export const OPERATOR_PATHS = ['GET /execution', 'GET /execution/reviews', 'POST /execution/reviews/<clientOrderId>/approve|reject', 'POST /execution/kill-switch'];

/** Answers an /execution request, or undefined when the path is not an operator path. */
export async function operatorRoute(api: ExecutionOperatorApi, req: OperatorRequest): Promise<OperatorResponse | undefined> {
  if (req.path !== '/execution' && !req.path.startsWith('/execution/')) return undefined;
  const refused = screen(api, req);
  if (refused) return refused;
  if (req.method === 'GET') {
    const status = (await api.status()) as { reviews?: unknown } | undefined;
    if (req.path === '/execution') return status ? { status: 200, body: status } : { status: 503, body: { error: 'the execution actor is not running on this pod' } };
    if (req.path === '/execution/reviews') return status ? { status: 200, body: status.reviews ?? [] } : { status: 503, body: { error: 'the execution actor is not running on this pod' } };
    return { status: 404, body: { error: 'not found', paths: OPERATOR_PATHS } };
  }
  if (req.method !== 'POST') return { status: 405, body: { error: `${req.method} not allowed` } };
  if (!isJson(req.contentType)) return { status: 415, body: { error: 'commands must be sent as application/json' } };
  const denied = authorize(api, req.authorization);
  if (denied) return denied;
  let json: unknown;
  try {
    json = req.body === '' ? {} : JSON.parse(req.body);
  } catch {
    return { status: 400, body: { error: 'the body is not JSON' } };
  }
  if (req.path === '/execution/kill-switch') {
    const parsed = killSwitchBody.safeParse(json);
    if (!parsed.success) return invalid(parsed.error);
    return publish(api, { action: 'kill-switch', ...parsed.data });
  }
  const review = /^\/execution\/reviews\/([A-Za-z0-9_-]{1,64})\/(approve|reject)$/.exec(req.path);
  if (review) {
    const parsed = reviewBody.safeParse(json);
    if (!parsed.success) return invalid(parsed.error);
    const decision = review[2] as 'approve' | 'reject';
    if (decision === 'reject' && parsed.data.reason === undefined) return { status: 400, body: { error: 'a rejection needs a reason' } };
    const clientOrderId = review[1]!;
    const waiting = (await api.status()) as { reviews?: readonly { id: string }[] } | undefined;
    if (!waiting) return { status: 503, body: { error: 'the execution actor is not running on this pod' } };
    if (!(waiting.reviews ?? []).some((item) => item.id === clientOrderId)) return { status: 404, body: { error: `no order ${clientOrderId} is waiting for review` } };
    return publish(api, { action: 'review', clientOrderId, decision, by: parsed.data.by, ...(parsed.data.reason ? { reason: parsed.data.reason } : {}) });
  }
  return { status: 404, body: { error: 'not found', paths: OPERATOR_PATHS } };
}

/** Who may talk to the operator endpoints at all: no browsers, and without a token only loopback. */
function screen(api: ExecutionOperatorApi, req: OperatorRequest): OperatorResponse | undefined {
  if (req.origin !== undefined || (req.secFetchSite !== undefined && req.secFetchSite !== 'none' && req.secFetchSite !== 'same-origin')) {
    return { status: 403, body: { error: 'requests from web pages are refused' } };
  }
  if (api.token() === undefined) {
    return api.loopbackOnly ? undefined : { status: 403, body: { error: 'the operator endpoints need OPS_API_TOKEN when the ops server is not on loopback' } };
  }
  return req.method === 'GET' && !api.loopbackOnly ? authorize(api, req.authorization) : undefined;
}

/** application/json, with parameters (charset) or without; not application/json-patch+json and kin. */
function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

async function publish(api: ExecutionOperatorApi, command: OperatorCommand): Promise<OperatorResponse> {
  try {
    return { status: 202, body: { accepted: true, commandId: await api.command(command) } };
  } catch (err) {
    if (err instanceof OperatorUnavailableError) return { status: 503, body: { error: err.message } };
    throw err;
  }
}

function authorize(api: ExecutionOperatorApi, header: string | undefined): OperatorResponse | undefined {
  const token = api.token();
  if (token === undefined) return undefined; // screened: loopback only
  const given = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b) ? undefined : { status: 401, body: { error: 'missing or wrong bearer token' } };
}

function invalid(error: z.ZodError): OperatorResponse {
  return { status: 400, body: { error: 'invalid request', issues: error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`) } };
}
