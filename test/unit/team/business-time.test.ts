import { describe, expect, it } from 'vitest';
import { addBusinessMs, businessMsBetween, calendar24x7, isBusinessTime, makeCalendar } from '../../../src/team/index.js';
import { HOUR, utc } from './helpers.js';

const lisbonOffice = makeCalendar({ timeZone: 'Europe/Lisbon', hours: { 'mon-fri': '09:00-18:00' } });

describe('business time', () => {
  it('skips the weekend when a target runs past Friday closing', () => {
    // Fri 2026-03-13 17:00 WET + 2 working hours → Mon 10:00 WET.
    expect(addBusinessMs(lisbonOffice, utc('2026-03-13T17:00:00'), 2 * HOUR)).toEqual(utc('2026-03-16T10:00:00'));
  });

  it('skips a holiday as well as the weekend', () => {
    const withHoliday = makeCalendar({ timeZone: 'Europe/Lisbon', hours: { 'mon-fri': '09:00-18:00' }, holidays: ['2026-03-16'] });

    expect(addBusinessMs(withHoliday, utc('2026-03-13T17:00:00'), 2 * HOUR)).toEqual(utc('2026-03-17T10:00:00'));
    expect(businessMsBetween(withHoliday, utc('2026-03-13T17:00:00'), utc('2026-03-17T10:00:00'))).toBe(2 * HOUR);
  });

  it('keeps wall-clock opening hours across the spring-forward weekend', () => {
    // Lisbon moves to WEST on Sun 2026-03-29: Monday opens at 09:00 local = 08:00 UTC.
    expect(addBusinessMs(lisbonOffice, utc('2026-03-27T17:00:00'), 2 * HOUR)).toEqual(utc('2026-03-30T09:00:00'));
    expect(businessMsBetween(lisbonOffice, utc('2026-03-27T17:00:00'), utc('2026-03-30T09:00:00'))).toBe(2 * HOUR);
  });

  it('falls due at closing time when the target is used up exactly then', () => {
    expect(addBusinessMs(lisbonOffice, utc('2026-03-16T09:00:00'), 9 * HOUR)).toEqual(utc('2026-03-16T18:00:00'));
  });

  it('counts half a year of working days quickly and exactly', () => {
    const started = performance.now();
    // 129 weekdays from January to June 2026, 9 hours each; the DST change does not alter them.
    expect(businessMsBetween(lisbonOffice, utc('2026-01-01T00:00:00'), utc('2026-06-30T23:00:00'))).toBe(129 * 9 * HOUR);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('round-trips: the due instant is exactly the target in working time', () => {
    const from = utc('2026-02-18T11:17:00');
    const due = addBusinessMs(lisbonOffice, from, 100 * HOUR);

    expect(businessMsBetween(lisbonOffice, from, due)).toBe(100 * HOUR);
  });

  it('counts every minute under the 24x7 calendar', () => {
    const cal = calendar24x7('America/New_York');

    expect(businessMsBetween(cal, utc('2026-03-07T12:00:00'), utc('2026-03-09T12:00:00'))).toBe(48 * HOUR);
    expect(addBusinessMs(cal, utc('2026-03-07T12:00:00'), 5 * HOUR)).toEqual(utc('2026-03-07T17:00:00'));
    expect(isBusinessTime(cal, utc('2026-03-08T07:30:00'))).toBe(true);
  });

  it('gives a negative span when the instants are reversed', () => {
    expect(businessMsBetween(lisbonOffice, utc('2026-03-16T12:00:00'), utc('2026-03-16T10:00:00'))).toBe(-2 * HOUR);
  });

  it('gives up with a RangeError on a calendar without hours', () => {
    const closed = makeCalendar({ timeZone: 'UTC', hours: { daily: 'off' } });

    expect(() => addBusinessMs(closed, utc('2026-01-01T00:00:00'), HOUR)).toThrow(RangeError);
  });
});

describe('shift hours across DST changes', () => {
  it('a 01:00-03:00 shift on the New York fall-back night lasts three hours', () => {
    const cal = makeCalendar({ timeZone: 'America/New_York', hours: { sun: '01:00-03:00' } });

    expect(businessMsBetween(cal, utc('2026-11-01T00:00:00'), utc('2026-11-02T00:00:00'))).toBe(3 * HOUR);
    expect(isBusinessTime(cal, utc('2026-11-01T05:30:00'))).toBe(true); // 01:30 EDT
    expect(isBusinessTime(cal, utc('2026-11-01T06:30:00'))).toBe(true); // 01:30 EST, the second time round
    expect(isBusinessTime(cal, utc('2026-11-01T08:00:00'))).toBe(false); // 03:00 EST
  });

  it('a 01:00-03:00 shift on the New York spring-forward night lasts one hour', () => {
    const cal = makeCalendar({ timeZone: 'America/New_York', hours: { sun: '01:00-03:00' } });

    expect(businessMsBetween(cal, utc('2026-03-08T00:00:00'), utc('2026-03-09T00:00:00'))).toBe(HOUR);
  });

  it('a 22:00-06:00 overnight shift spans the Lisbon fall-back (9 h) and spring-forward (7 h)', () => {
    const cal = makeCalendar({ timeZone: 'Europe/Lisbon', hours: { sat: '22:00-06:00' } });

    expect(businessMsBetween(cal, utc('2026-10-24T12:00:00'), utc('2026-10-25T12:00:00'))).toBe(9 * HOUR);
    expect(businessMsBetween(cal, utc('2026-03-28T12:00:00'), utc('2026-03-29T12:00:00'))).toBe(7 * HOUR);
    expect(isBusinessTime(cal, utc('2026-10-25T05:30:00'))).toBe(true); // 05:30 WET Sunday
    expect(isBusinessTime(cal, utc('2026-10-25T06:00:00'))).toBe(false);
  });

  it('a southern-hemisphere shift spans the Sydney April fall-back', () => {
    // Sydney leaves daylight time on Sun 2026-04-05 at 03:00 AEDT → 02:00 AEST.
    const cal = makeCalendar({ timeZone: 'Australia/Sydney', hours: { sun: '01:00-04:00' } });

    expect(businessMsBetween(cal, utc('2026-04-04T00:00:00'), utc('2026-04-05T12:00:00'))).toBe(4 * HOUR);
  });

  it('a shift starting inside the spring-forward gap starts when the clocks resume', () => {
    const cal = makeCalendar({ timeZone: 'America/New_York', hours: { sun: '02:30-05:00' } });

    // 02:30 does not exist on 2026-03-08; the shift runs 03:30-05:00 EDT.
    expect(businessMsBetween(cal, utc('2026-03-08T00:00:00'), utc('2026-03-09T00:00:00'))).toBe(1.5 * HOUR);
  });
});
