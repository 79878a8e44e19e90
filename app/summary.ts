// The end-of-run summary: events per topic, signals, orders, fills, rejections with reasons, PnL
// per token, actor restarts. It holds only what the events decided (no wall time), so two runs with
// the same seed and event count produce the same summary.
import type { PositionState } from '../actors/position/position-math.js';
import { unrealizedPnl } from '../actors/position/position-math.js';
import type { RestartReport } from '../runtime/supervision/supervisor.js';

export interface ExecutionCounters {
  readonly signals: number;
  readonly orders: number;
  readonly fills: number;
  readonly rejections: Readonly<Record<string, number>>;
  readonly manualReviews: number;
}

export interface TokenPnl {
  readonly size: number;
  readonly avgEntry: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly fees: number;
  readonly netPnl: number;
}

export interface RunSummary {
  readonly seed: number;
  readonly feedEvents: number;
  readonly topics: Readonly<Record<string, number>>;
  readonly signals: number;
  readonly orders: number;
  readonly fills: number;
  readonly rejections: Readonly<Record<string, number>>;
  readonly manualReviews: number;
  readonly pnl: Readonly<Record<string, TokenPnl>>;
  readonly totalNetPnl: number;
  readonly restarts: { readonly total: number; readonly byActor: Readonly<Record<string, number>> };
}

export interface SummaryInput {
  readonly seed: number;
  readonly feedEvents: number;
  readonly topics: readonly string[];
  /**
   * Events this process published per topic (dead letters under `<topic>.dlq`): a log shared with
   * earlier runs (a Kafka topic) holds more than this run.
   */
  readonly published: ReadonlyMap<string, number>;
  /** Events stored per topic: with a store, a continued run is counted whole (and each event once). */
  readonly stored?: ReadonlyMap<string, number>;
  readonly positions: ReadonlyMap<string, PositionState>;
  readonly execution: ExecutionCounters | undefined;
  readonly restarts: readonly RestartReport[];
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

export async function buildSummary(input: SummaryInput): Promise<RunSummary> {
  const topics: Record<string, number> = {};
  for (const topic of [...input.topics].sort()) {
    const stored = topic.endsWith('.dlq') ? undefined : input.stored;
    const count = (stored ?? input.published).get(topic) ?? 0;
    if (count > 0 || !topic.endsWith('.dlq')) topics[topic] = count;
  }
  const pnl: Record<string, TokenPnl> = {};
  let totalNetPnl = 0;
  for (const token of [...input.positions.keys()].sort()) {
    const p = input.positions.get(token)!;
    const unrealized = unrealizedPnl(p);
    const net = p.realizedPnl + unrealized - p.fees;
    totalNetPnl += net;
    pnl[token] = {
      size: round(p.size),
      avgEntry: round(p.avgEntry),
      realizedPnl: round(p.realizedPnl),
      unrealizedPnl: round(unrealized),
      fees: round(p.fees),
      netPnl: round(net),
    };
  }
  const byActor: Record<string, number> = {};
  for (const r of input.restarts) byActor[r.child] = (byActor[r.child] ?? 0) + 1;
  const ex = input.execution;
  return {
    seed: input.seed,
    feedEvents: input.feedEvents,
    topics,
    signals: ex?.signals ?? 0,
    orders: ex?.orders ?? 0,
    fills: ex?.fills ?? 0,
    rejections: Object.fromEntries(Object.entries(ex?.rejections ?? {}).sort(([a], [b]) => a.localeCompare(b))),
    manualReviews: ex?.manualReviews ?? 0,
    pnl,
    totalNetPnl: round(totalNetPnl),
    restarts: { total: input.restarts.length, byActor },
  };
}

/** The summary as a plain-text table for the terminal. */
export function formatSummary(s: RunSummary): string {
  const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const lines: string[] = [];
  const section = (title: string, rows: [string, string][]) => {
    lines.push('', title);
    const w = Math.max(0, ...rows.map(([k]) => k.length));
    for (const [k, v] of rows) lines.push(`  ${k.padEnd(w)}  ${v}`);
  };
  section(`Regent run summary (seed ${s.seed}, ${s.feedEvents.toLocaleString('en-US')} feed events)`, [
    ['signals', String(s.signals)],
    ['orders', String(s.orders)],
    ['fills', String(s.fills)],
    ['manual reviews', String(s.manualReviews)],
    ['actor restarts', String(s.restarts.total)],
    ['net PnL (all tokens)', money(s.totalNetPnl)],
  ]);
  section('Events per topic', Object.entries(s.topics).map(([t, n]) => [t, n.toLocaleString('en-US')]));
  const rejections = Object.entries(s.rejections);
  section('Rejections by reason', rejections.length ? rejections.map(([r, n]) => [r, String(n)]) : [['none', '']]);
  const header = ['token', 'size', 'avg entry', 'realized', 'unrealized', 'fees', 'net'];
  const rows = Object.entries(s.pnl).map(([token, p]) => [
    token,
    String(Number(p.size.toFixed(6))),
    money(p.avgEntry),
    money(p.realizedPnl),
    money(p.unrealizedPnl),
    money(p.fees),
    money(p.netPnl),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  lines.push('', 'PnL per token');
  for (const r of [header, ...rows]) lines.push('  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  if (rows.length === 0) lines.push('  (no positions)');
  if (s.restarts.total > 0) section('Restarts by actor', Object.entries(s.restarts.byActor).map(([a, n]) => [a, String(n)]));
  return lines.join('\n') + '\n';
}
