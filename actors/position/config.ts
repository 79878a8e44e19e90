// The position actor's settings (`positions`). config/schema.ts composes it into the whole.
import { z } from 'zod';
import { posInt } from '../../runtime/kit/setting-numbers.js';

export const positionSchema = z.strictObject({
  passivateAfterMs: posInt().default(300_000),
});

export type PositionSettings = z.output<typeof positionSchema>;
