// Execution settings, loss limits: the calendar they reset on, the period limits that refuse new
// entries, and the hard limits past which the kill switch trips by itself.
import { z } from 'zod';
import { posNum } from '../../runtime/kit/setting-numbers.js';

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as UTC or America/New_York');

export const lossLimitsShape = {
  /** Loss limits (realized + unrealized) reset on calendar boundaries in this zone. */
  timeZone: timeZone.default('UTC'),
  lossLimits: z
    .strictObject({ daily: posNum().optional(), weekly: posNum().optional(), monthly: posNum().optional() })
    .prefault({ daily: 5000, weekly: 12_000, monthly: 25_000 }),
  /** Beyond these the kill switch trips by itself. */
  hardLimits: z
    .strictObject({
      dailyLoss: posNum().optional(),
      weeklyLoss: posNum().optional(),
      monthlyLoss: posNum().optional(),
      maxDrawdownPct: z.number().positive().max(100).optional(),
    })
    .prefault({ dailyLoss: 10_000, maxDrawdownPct: 30 }),
};
