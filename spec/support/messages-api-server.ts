// A local stand-in for the Anthropic Messages API, for specs: `POST /v1/messages` on 127.0.0.1 with
// the real success and error shapes. It records every request (headers, parsed body, the key it
// carried) and answers from a per-request script: text, delay, HTTP error, or a dropped connection.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ScriptedReply {
  /** Text of the assistant's answer (ignored when status or destroy is set). */
  readonly text?: string;
  /** Wait this long before answering (or failing). */
  readonly delayMs?: number;
  /** Answer with the Messages API error shape and this status (400, 401, 429, 500, 529...). */
  readonly status?: number;
  /** error.type; defaults to the API's type for the status. */
  readonly errorType?: string;
  readonly errorMessage?: string;
  /** Drop the connection without an answer. */
  readonly destroy?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  readonly body: unknown;
  /** The key the request authenticated with: x-api-key, or the Bearer token of authorization. */
  readonly apiKey: string | undefined;
}

/** error.type the API uses for each status. */
export const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export const DEFAULT_ANSWER = '{"direction":"hold","confidence":0.5,"sizeFraction":0,"reasoning":"default scripted answer"}';

export class MessagesApiServer {
  readonly requests: RecordedRequest[] = [];
  /** The reply used when the script is empty. */
  defaultReply: ScriptedReply = { text: DEFAULT_ANSWER };
  private readonly script: ScriptedReply[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private sequence = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<MessagesApiServer> {
    let self: MessagesApiServer | undefined;
    const server = createServer((req, res) => {
      // A request the client dropped mid-body has no one left to answer.
      self!.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self = new MessagesApiServer(server, (server.address() as AddressInfo).port);
    server.on('connection', (socket) => {
      self!.sockets.add(socket);
      socket.once('close', () => self!.sockets.delete(socket));
    });
    return self;
  }

  /** Base URL for the SDK (it appends /v1/messages). */
  get baseURL(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Queues replies for the next requests, in order. */
  enqueue(...replies: ScriptedReply[]): void {
    this.script.push(...replies);
  }

  /** Stops listening, drops open connections and pending delayed answers. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // kept as text; answered 400 below
    }
    const apiKey = keyOf(req.headers);
    const path = req.url ?? '';
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, body, apiKey });
    const id = ++this.sequence;

    if (req.method !== 'POST' || path.split('?')[0] !== '/v1/messages') {
      return this.sendError(res, id, { status: 404, errorMessage: `${req.method} ${path} not found` });
    }
    if (!apiKey) return this.sendError(res, id, { status: 401, errorMessage: 'x-api-key header is required' });
    const problem = invalidRequest(body);
    if (problem) return this.sendError(res, id, { status: 400, errorMessage: problem });

    const reply = this.script.shift() ?? this.defaultReply;
    const answer = (): void => {
      if (reply.destroy) {
        req.socket.destroy();
      } else if (reply.status !== undefined) {
        this.sendError(res, id, reply);
      } else {
        this.sendMessage(res, id, body as { model: string; messages: unknown }, reply.text ?? DEFAULT_ANSWER);
      }
    };
    if (!reply.delayMs) return answer();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      answer();
    }, reply.delayMs);
    this.timers.add(timer);
    // A client that gives up (timeout, abort) closes the connection: nothing left to answer.
    res.once('close', () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    });
  }

  private sendMessage(res: ServerResponse, id: number, body: { model: string; messages: unknown }, text: string): void {
    send(res, 200, id, {
      id: `msg_test_${id}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: Math.ceil(JSON.stringify(body.messages).length / 4), output_tokens: Math.ceil(text.length / 4) },
    });
  }

  private sendError(res: ServerResponse, id: number, reply: ScriptedReply): void {
    const status = reply.status ?? 500;
    const type = reply.errorType ?? ERROR_TYPES[status] ?? 'api_error';
    send(res, status, id, {
      type: 'error',
      error: { type, message: reply.errorMessage ?? `scripted ${type}` },
      request_id: requestId(id),
    });
  }
}

function send(res: ServerResponse, status: number, id: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'request-id': requestId(id),
  });
  res.end(text);
}

function requestId(id: number): string {
  return `req_test_${id}`;
}

function keyOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return bearer?.[1];
}

/** The checks the real API makes first: a JSON body with model, max_tokens and messages. */
function invalidRequest(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return 'request body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') return 'model: Field required';
  if (!(Number.isInteger(b.max_tokens) && (b.max_tokens as number) > 0)) return 'max_tokens: Field required';
  if (!Array.isArray(b.messages) || b.messages.length === 0) return 'messages: Field required';
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
