// Loss windows: the equity at the start of the current day, ISO week (Monday first) and month, as
// calendar periods in a configured IANA time zone, so the daily/weekly/monthly loss limits follow
// the operator's calendar across DST changes. Equity includes unrealized PnL, so a period's loss is
// realized + unrealized since the first mark of that period.

export type LossPeriod = 'day' | 'week' | 'month';

export interface PeriodWindow {
  /** day YYYY-MM-DD, week YYYY-Www (ISO week-numbering year), month YYYY-MM, in the configured zone. */
  readonly key: string;
  readonly startEquity: number;
}

export interface LossWindows {
  readonly day: PeriodWindow;
  readonly week: PeriodWindow;
  readonly month: PeriodWindow;
}

/** Losses as positive amounts, 0 for a period that is up. */
export interface PeriodLosses {
  readonly daily: number;
  readonly weekly: number;
  readonly monthly: number;
}

export interface CalendarKeys {
  readonly day: string;
  readonly week: string;
  readonly month: string;
}

export interface LossWindowsUpdate {
  readonly state: LossWindows;
  /** Periods whose start equity was reset by this call (all three on the first call). */
  readonly rolled: readonly LossPeriod[];
}

const PERIODS: readonly LossPeriod[] = ['day', 'week', 'month'];

/**
 * Starts a new period, with `equity` as its start equity, whenever the period's key at `now`
 * differs from the stored one. Keys only move forward: an event time from an earlier period (a
 * late event from another partition) never reopens a closed period and so never forgets a loss.
 */
export function rollLossWindows(state: LossWindows | undefined, equity: number, now: number, timeZone: string): LossWindowsUpdate {
  if (!Number.isFinite(equity)) throw new RangeError(`equity must be a finite number, got ${equity}`);
  const keys = calendarKeys(now, timeZone);
  if (state === undefined) {
    return {
      state: { day: { key: keys.day, startEquity: equity }, week: { key: keys.week, startEquity: equity }, month: { key: keys.month, startEquity: equity } },
      rolled: PERIODS,
    };
  }
  const rolled = PERIODS.filter((p) => keys[p] > state[p].key);
  if (rolled.length === 0) return { state, rolled };
  const next = (p: LossPeriod): PeriodWindow => (rolled.includes(p) ? { key: keys[p], startEquity: equity } : state[p]);
  return { state: { day: next('day'), week: next('week'), month: next('month') }, rolled };
}

export function periodLosses(state: LossWindows, equity: number): PeriodLosses {
  if (!Number.isFinite(equity)) throw new RangeError(`equity must be a finite number, got ${equity}`);
  const loss = (w: PeriodWindow): number => Math.max(0, w.startEquity - equity);
  return { daily: loss(state.day), weekly: loss(state.week), monthly: loss(state.month) };
}

/** The day, ISO week and month that contain `now` in `timeZone`. */
export function calendarKeys(now: number, timeZone: string): CalendarKeys {
  if (!Number.isFinite(now)) throw new RangeError(`time must be a finite ms timestamp, got ${now}`);
  const { year, month, day } = localDate(now, timeZone);
  const { isoYear, isoWeek } = isoWeekOf(year, month, day);
  return {
    day: `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`,
    week: `${pad(isoYear, 4)}-W${pad(isoWeek, 2)}`,
    month: `${pad(year, 4)}-${pad(month, 2)}`,
  };
}

// Building a DateTimeFormat costs far more than using one; a zone's formatter is reused.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        calendar: 'gregory',
        numberingSystem: 'latn',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
      });
    } catch (err) {
      throw new RangeError(`unknown IANA time zone '${timeZone}'`, { cause: err });
    }
    formatters.set(timeZone, f);
  }
  return f;
}

function localDate(now: number, timeZone: string): { year: number; month: number; day: number } {
  let year = NaN;
  let month = NaN;
  let day = NaN;
  for (const part of formatterFor(timeZone).formatToParts(now)) {
    if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
  }
  if (!(Number.isInteger(year) && Number.isInteger(month) && Number.isInteger(day))) {
    throw new RangeError(`cannot read a calendar date for ${now} in ${timeZone}`);
  }
  return { year, month, day };
}

/** ISO 8601 week: weeks start on Monday, week 1 holds the year's first Thursday. */
function isoWeekOf(year: number, month: number, day: number): { isoYear: number; isoWeek: number } {
  // Plain calendar arithmetic on the local date (the zone's offset no longer matters here).
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7; // Monday 1 .. Sunday 7
  const thursday = new Date(date.getTime() + (4 - weekday) * 86_400_000);
  const isoYear = thursday.getUTCFullYear();
  const yearStart = Date.UTC(isoYear, 0, 1);
  const isoWeek = Math.floor((thursday.getTime() - yearStart) / 86_400_000 / 7) + 1;
  return { isoYear, isoWeek };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
