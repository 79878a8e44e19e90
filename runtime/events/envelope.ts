// The envelope that wraps every event on every topic (DESIGN.md, Events).
// `data` is validated separately, by the schema registered for `type` (see event-types.ts).
import { z } from 'zod';

export const envelopeSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  ts: z.number().int().nonnegative(),
  token: z.string().min(1).optional(),
  source: z.string().min(1),
  correlationId: z.string().min(1),
  causationId: z.string().min(1).optional(),
  data: z.unknown(),
});

export interface Envelope<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly type: Type;
  /** Event time, ms since epoch. */
  readonly ts: number;
  readonly token?: string;
  readonly source: string;
  readonly correlationId: string;
  readonly causationId?: string;
  readonly data: Data;
}

/** Where a consumed envelope came from; the router attaches it, handlers may read it. */
export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}
