import { expect } from 'chai';
import { calendarKeys, periodLosses, rollLossWindows, type LossWindows } from '../../../../actors/execution/safety/loss-windows.js';

const NY = 'America/New_York';
const t = (iso: string): number => Date.parse(iso);

describe('loss windows', () => {
  describe('calendar keys', () => {
    it('gives day, ISO week and month in UTC', () => {
      expect(calendarKeys(t('2024-03-11T03:59:59.999Z'), 'UTC')).to.deep.equal({ day: '2024-03-11', week: '2024-W11', month: '2024-03' });
      expect(calendarKeys(t('2024-03-10T23:59:59.999Z'), 'UTC')).to.deep.equal({ day: '2024-03-10', week: '2024-W10', month: '2024-03' });
    });

    it('moves the New York day at local midnight on the 23-hour spring-forward day (2024-03-10)', () => {
      // 00:00 EST = 05:00Z on the 10th; the next midnight is 00:00 EDT = 04:00Z on the 11th
      expect(calendarKeys(t('2024-03-10T04:59:59.999Z'), NY).day).to.equal('2024-03-09');
      expect(calendarKeys(t('2024-03-10T05:00:00.000Z'), NY).day).to.equal('2024-03-10');
      expect(calendarKeys(t('2024-03-11T03:59:59.999Z'), NY).day).to.equal('2024-03-10');
      expect(calendarKeys(t('2024-03-11T04:00:00.000Z'), NY).day).to.equal('2024-03-11');
    });

    it('moves the New York day at local midnight on the 25-hour fall-back day (2024-11-03)', () => {
      // 00:00 EDT = 04:00Z on the 3rd; the next midnight is 00:00 EST = 05:00Z on the 4th
      expect(calendarKeys(t('2024-11-03T03:59:59.999Z'), NY).day).to.equal('2024-11-02');
      expect(calendarKeys(t('2024-11-03T04:00:00.000Z'), NY).day).to.equal('2024-11-03');
      expect(calendarKeys(t('2024-11-04T04:59:59.999Z'), NY).day).to.equal('2024-11-03');
      expect(calendarKeys(t('2024-11-04T05:00:00.000Z'), NY)).to.deep.equal({ day: '2024-11-04', week: '2024-W45', month: '2024-11' });
    });

    it('starts the ISO week on Monday in the zone, not in UTC', () => {
      // Monday 2024-03-11 begins at 04:00Z in New York (EDT) and at 00:00Z in UTC
      expect(calendarKeys(t('2024-03-11T03:59:59.999Z'), NY).week).to.equal('2024-W10');
      expect(calendarKeys(t('2024-03-11T04:00:00.000Z'), NY).week).to.equal('2024-W11');
      expect(calendarKeys(t('2024-03-11T00:00:00.000Z'), 'UTC').week).to.equal('2024-W11');
      expect(calendarKeys(t('2024-03-10T23:59:59.999Z'), 'UTC').week).to.equal('2024-W10');
    });

    it('moves the month at local midnight in the zone', () => {
      expect(calendarKeys(t('2024-04-01T01:00:00.000Z'), 'UTC').month).to.equal('2024-04');
      expect(calendarKeys(t('2024-04-01T03:59:59.999Z'), NY).month).to.equal('2024-03');
      expect(calendarKeys(t('2024-04-01T04:00:00.000Z'), NY).month).to.equal('2024-04');
    });

    it('numbers weeks by the ISO week-numbering year at year ends', () => {
      // Monday 2024-12-30 is in 2025-W01; Friday 2021-01-01 in 2020-W53; Thursday 2026-01-01 in 2026-W01
      expect(calendarKeys(t('2024-12-30T12:00:00Z'), 'UTC')).to.deep.equal({ day: '2024-12-30', week: '2025-W01', month: '2024-12' });
      expect(calendarKeys(t('2021-01-01T12:00:00Z'), 'UTC').week).to.equal('2020-W53');
      expect(calendarKeys(t('2026-01-01T12:00:00Z'), 'UTC').week).to.equal('2026-W01');
      expect(calendarKeys(t('2024-12-29T12:00:00Z'), 'UTC').week).to.equal('2024-W52');
    });

    it('works east of UTC too (Asia/Tokyo is UTC+9)', () => {
      expect(calendarKeys(t('2024-03-31T14:59:59.999Z'), 'Asia/Tokyo').month).to.equal('2024-03');
      expect(calendarKeys(t('2024-03-31T15:00:00.000Z'), 'Asia/Tokyo').month).to.equal('2024-04');
    });

    it('refuses an unknown time zone or a bad time with a RangeError', () => {
      expect(() => calendarKeys(0, 'Mars/Olympus_Mons')).to.throw(RangeError, /unknown IANA time zone 'Mars\/Olympus_Mons'/);
      expect(() => calendarKeys(Number.NaN, 'UTC')).to.throw(RangeError, /time/);
    });
  });

  describe('rolling', () => {
    // Wednesday 2024-03-06 10:00 in New York
    const WED = t('2024-03-06T15:00:00Z');

    it('opens every period on the first mark', () => {
      const u = rollLossWindows(undefined, 100_000, WED, NY);
      expect(u.rolled).to.deep.equal(['day', 'week', 'month']);
      expect(u.state).to.deep.equal({
        day: { key: '2024-03-06', startEquity: 100_000 },
        week: { key: '2024-W10', startEquity: 100_000 },
        month: { key: '2024-03', startEquity: 100_000 },
      });
    });

    it('keeps the start equity within a period and measures realized + unrealized losses from it', () => {
      const s = rollLossWindows(undefined, 100_000, WED, NY).state;
      const later = rollLossWindows(s, 97_500, WED + 3_600_000, NY);
      expect(later.rolled).to.deep.equal([]);
      expect(later.state).to.equal(s);
      expect(periodLosses(later.state, 97_500)).to.deep.equal({ daily: 2500, weekly: 2500, monthly: 2500 });
    });

    it('reports 0 loss for a period that is up', () => {
      const s = rollLossWindows(undefined, 100_000, WED, NY).state;
      expect(periodLosses(s, 101_000)).to.deep.equal({ daily: 0, weekly: 0, monthly: 0 });
    });

    it('resets only the day on a new day, then day and week on Monday', () => {
      let s = rollLossWindows(undefined, 100_000, WED, NY).state;
      const thu = rollLossWindows(s, 99_000, t('2024-03-07T15:00:00Z'), NY);
      expect(thu.rolled).to.deep.equal(['day']);
      s = thu.state;
      expect(periodLosses(s, 98_000)).to.deep.equal({ daily: 1000, weekly: 2000, monthly: 2000 });

      // Sunday 23:30 EDT is still week 10; Monday 00:30 EDT (04:30Z) starts week 11
      const sun = rollLossWindows(s, 97_000, t('2024-03-11T03:30:00Z'), NY);
      expect(sun.rolled).to.deep.equal(['day']);
      expect(sun.state.day.key).to.equal('2024-03-10');
      const mon = rollLossWindows(sun.state, 96_000, t('2024-03-11T04:30:00Z'), NY);
      expect(mon.rolled).to.deep.equal(['day', 'week']);
      expect(mon.state).to.deep.equal({
        day: { key: '2024-03-11', startEquity: 96_000 },
        week: { key: '2024-W11', startEquity: 96_000 },
        month: { key: '2024-03', startEquity: 100_000 },
      });
      expect(periodLosses(mon.state, 95_000)).to.deep.equal({ daily: 1000, weekly: 1000, monthly: 5000 });
    });

    it('rolls at the zone midnight across the spring-forward change, not at a fixed offset', () => {
      const sun = rollLossWindows(undefined, 100_000, t('2024-03-10T12:00:00Z'), NY).state;
      // 04:30Z on the 11th is 00:30 EDT (a fixed UTC-5 would still say 23:30 on the 10th)
      const u = rollLossWindows(sun, 99_000, t('2024-03-11T04:30:00Z'), NY);
      expect(u.rolled).to.deep.equal(['day', 'week']);
      // UTC rolled the same day at 00:00Z already
      const utc = rollLossWindows(rollLossWindows(undefined, 100_000, t('2024-03-10T12:00:00Z'), 'UTC').state, 99_000, t('2024-03-11T00:00:00Z'), 'UTC');
      expect(utc.rolled).to.deep.equal(['day', 'week']);
    });

    it('resets day and month on the first of the month and leaves the week alone mid-week', () => {
      // Friday 2024-05-31 -> Saturday 2024-06-01 in UTC
      const fri = rollLossWindows(undefined, 50_000, t('2024-05-31T20:00:00Z'), 'UTC').state;
      const sat = rollLossWindows(fri, 48_000, t('2024-06-01T00:00:00Z'), 'UTC');
      expect(sat.rolled).to.deep.equal(['day', 'month']);
      expect(sat.state.week).to.deep.equal({ key: '2024-W22', startEquity: 50_000 });
      expect(periodLosses(sat.state, 47_000)).to.deep.equal({ daily: 1000, weekly: 3000, monthly: 1000 });
    });

    it('resets all three when a month starts on a Monday (2024-07-01)', () => {
      const sun = rollLossWindows(undefined, 10, t('2024-06-30T12:00:00Z'), 'UTC').state;
      expect(rollLossWindows(sun, 9, t('2024-07-01T00:00:00Z'), 'UTC').rolled).to.deep.equal(['day', 'week', 'month']);
    });

    it('never reopens an earlier period for a late event time', () => {
      const thu = rollLossWindows(undefined, 100_000, t('2024-03-07T15:00:00Z'), NY).state;
      const late = rollLossWindows(thu, 90_000, t('2024-03-06T15:00:00Z'), NY);
      expect(late.rolled).to.deep.equal([]);
      expect(late.state).to.equal(thu);
    });

    it('never mutates its input and round-trips through JSON', () => {
      const s: LossWindows = Object.freeze(rollLossWindows(undefined, 100, WED, 'UTC').state);
      const copy = JSON.parse(JSON.stringify(s)) as LossWindows;
      rollLossWindows(s, 50, WED + 7 * 86_400_000, 'UTC');
      expect(s).to.deep.equal(copy);
    });

    it('refuses a non-finite equity', () => {
      expect(() => rollLossWindows(undefined, Number.NaN, WED, 'UTC')).to.throw(RangeError, /equity/);
      const s = rollLossWindows(undefined, 1, WED, 'UTC').state;
      expect(() => periodLosses(s, Infinity)).to.throw(RangeError, /equity/);
    });
  });
});
