// Tests for the time module: Go layouts (format and parse), zones, durations, date arithmetic.
// Calls the ModuleSpec directly with a minimal CallContext.
import { describe, expect, it, vi } from 'vitest';
import { ArgumentFailure, ModuleFailure } from '../../src/modules/module-spec.js';
import { timeModule as tm } from '../../src/modules/time.js';
import { call, method, values } from './context.js';

const C = tm.constants as Record<string, any>;
const utcDate = (...a: number[]): any => call(tm, 'date', ...a, C.utc);

describe('time formatting with Go layouts', () => {
  const t = utcDate(2024, 3, 5, 14, 7, 9, 120_000_000);
  it('formats the standard constants', () => {
    expect(method(tm, t, 'format', C.RFC3339)).toBe('2024-03-05T14:07:09Z');
    expect(method(tm, t, 'format', C.RFC3339NANO)).toBe('2024-03-05T14:07:09.12Z');
    expect(method(tm, t, 'format', C.RFC1123)).toBe('Tue, 05 Mar 2024 14:07:09 UTC');
    expect(method(tm, t, 'format', C.KITCHEN)).toBe('2:07PM');
    expect(method(tm, t, 'format', C.STAMP_MILLI)).toBe('Mar  5 14:07:09.120');
    expect(method(tm, t, 'format', C.DATE_TIME)).toBe('2024-03-05 14:07:09');
    expect(method(tm, t, 'format', 'Monday, January 2 2006 03:04:05 pm __2 002 06')).toBe('Tuesday, March 5 2024 02:07:09 pm  65 065 24');
  });
  it('prints offsets for fixed zones and IANA zones', () => {
    const ist = call(tm, 'fixed_zone', 'IST', 19800);
    const local = method(tm, t, 'in_location', ist);
    expect(method(tm, local, 'format', C.RFC3339)).toBe('2024-03-05T19:37:09+05:30');
    expect(method(tm, local, 'format', '-0700 -07 Z07:00:00 MST')).toBe('+0530 +05 +05:30:00 IST');
    const ny = call(tm, 'load_location', 'America/New_York');
    expect(method(tm, method(tm, t, 'in_location', ny), 'format', C.RFC3339)).toBe('2024-03-05T09:07:09-05:00');
    const summer = utcDate(2024, 7, 1, 12, 0, 0, 0);
    expect(method(tm, method(tm, summer, 'in_location', ny), 'format', '15:04 MST')).toBe('08:00 EDT');
    expect(tm.types!['time.Location']!.methods.string!({} as any, ny)).toBe('America/New_York');
  });
  it('tostring follows Go Time.String', () => {
    expect(tm.types!['time.Time']!.tostring!({} as any, t)).toBe('2024-03-05 14:07:09.12 +0000 UTC');
  });
});

describe('time parsing', () => {
  it('round-trips RFC3339 with offsets and nanoseconds', () => {
    const p = call(tm, 'parse', C.RFC3339NANO, '2023-11-30T23:59:58.123456789-08:00');
    expect(method(tm, p, 'format', C.RFC3339NANO)).toBe('2023-11-30T23:59:58.123456789-08:00');
    expect(method(tm, method(tm, p, 'utc'), 'format', C.RFC3339)).toBe('2023-12-01T07:59:58Z');
    expect(method(tm, p, 'unix')).toBe(1701417598);
    expect(method(tm, p, 'nanosecond')).toBe(123456789);
  });
  it('parses other layouts and uses the location argument', () => {
    const k = call(tm, 'parse', 'Jan 2, 2006 at 3:04pm (MST)', 'Feb 3, 2013 at 7:54pm (UTC)');
    expect(method(tm, k, 'format', C.RFC3339)).toBe('2013-02-03T19:54:00Z');
    const berlin = call(tm, 'load_location', 'Europe/Berlin');
    const b = call(tm, 'parse', C.DATE_TIME, '2024-01-15 10:00:00', berlin);
    expect(method(tm, b, 'format', C.RFC3339)).toBe('2024-01-15T10:00:00+01:00');
    expect(method(tm, method(tm, b, 'utc'), 'hour')).toBe(9);
    const frac = call(tm, 'parse', C.DATE_TIME, '2024-01-15 10:00:00.5');
    expect(method(tm, frac, 'nanosecond')).toBe(500_000_000);
  });
  it('fails with Invalid on bad input', () => {
    for (const [layout, value] of [[C.RFC3339, 'yesterday'], [C.DATE_ONLY, '2024-02-30'], [C.DATE_ONLY, '2024-01-01 extra'], [C.DATE_ONLY, '2024-13-01']]) {
      try {
        call(tm, 'parse', layout, value);
        expect.unreachable(`${value} parsed`);
      } catch (e) {
        expect(e).toBeInstanceOf(ModuleFailure);
        expect((e as ModuleFailure).kind).toBe('Invalid');
      }
    }
    expect(() => call(tm, 'parse', C.RFC3339, 'nope')).toThrow(/cannot parse "nope" as "2006"/);
  });
});

describe('durations', () => {
  it('parses Go duration strings', () => {
    const d = call(tm, 'parse_duration', '1h30m');
    expect(method(tm, d, 'minutes')).toBe(90);
    expect(method(tm, call(tm, 'parse_duration', '1.5s'), 'milliseconds')).toBe(1500);
    expect(method(tm, call(tm, 'parse_duration', '-2m3.5s'), 'seconds')).toBe(-123.5);
    expect(method(tm, call(tm, 'parse_duration', 250), 'nanoseconds')).toBe(250);
    expect(() => call(tm, 'parse_duration', '10 apples')).toThrow(ModuleFailure);
    expect(() => call(tm, 'parse_duration', '5')).toThrow(/missing unit|invalid/);
  });
  it('prints like Go', () => {
    const s = (v: string): string => method(tm, call(tm, 'parse_duration', v), 'string');
    expect(s('90m')).toBe('1h30m0s');
    expect(s('1.5s')).toBe('1.5s');
    expect(s('1500us')).toBe('1.5ms');
    expect(s('0s')).toBe('0s');
    expect(s('-3h')).toBe('-3h0m0s');
  });
});

describe('arithmetic', () => {
  it('add_date normalises like Go (Jan 31 + 1 month = Mar 2 in a leap year)', () => {
    const t = utcDate(2024, 1, 31, 12, 0, 0, 0);
    expect(method(tm, method(tm, t, 'add_date', 0, 1, 0), 'format', C.DATE_ONLY)).toBe('2024-03-02');
    expect(method(tm, method(tm, t, 'add_date', 1, -1, 1), 'format', C.DATE_ONLY)).toBe('2025-01-01');
  });
  it('add accepts ns numbers, strings and durations; sub gives a duration', () => {
    const t = utcDate(2024, 12, 31, 23, 0, 0, 0);
    const a = method(tm, t, 'add', '2h');
    expect(method(tm, a, 'format', C.RFC3339)).toBe('2025-01-01T01:00:00Z');
    const b = method(tm, t, 'add', C.MINUTE * 30);
    expect(method(tm, method(tm, a, 'sub', b), 'minutes')).toBe(90);
    expect(method(tm, a, 'after', b)).toBe(true);
    expect(method(tm, a, 'before', b)).toBe(false);
    expect(method(tm, t, 'equal', method(tm, method(tm, t, 'in_location', call(tm, 'fixed_zone', 'X', 3600)), 'utc'))).toBe(true);
  });
  it('date/clock/weekday/year_day multi returns', () => {
    const t = utcDate(2024, 12, 31, 23, 59, 58, 0);
    expect(values(method(tm, t, 'date'))).toEqual([2024, 12, 31]);
    expect(values(method(tm, t, 'clock'))).toEqual([23, 59, 58]);
    expect(method(tm, t, 'weekday')).toBe(C.TUESDAY);
    expect(method(tm, t, 'year_day')).toBe(366);
    expect(method(tm, utcDate(1, 1, 1, 0, 0, 0, 0), 'is_zero')).toBe(true);
  });
  it('date normalises overflowing fields and round/truncate work on durations', () => {
    const t = utcDate(2023, 14, 1, 25, 61, 0, 0);
    expect(method(tm, t, 'format', C.DATE_TIME)).toBe('2024-02-02 02:01:00');
    const x = utcDate(2024, 1, 1, 10, 44, 31, 0);
    expect(method(tm, method(tm, x, 'truncate', call(tm, 'parse_duration', '1h')), 'format', C.TIME_ONLY)).toBe('10:00:00');
    expect(method(tm, method(tm, x, 'round', call(tm, 'parse_duration', '30m')), 'format', C.TIME_ONLY)).toBe('10:30:00');
    expect(method(tm, method(tm, method(tm, x, 'add', '2m'), 'round', call(tm, 'parse_duration', '30m')), 'format', C.TIME_ONLY)).toBe('11:00:00');
  });
  it('unix builds instants and now is close to Date.now', () => {
    const u = call(tm, 'unix', 1700000000, 0);
    expect(method(tm, method(tm, u, 'utc'), 'format', C.RFC3339)).toBe('2023-11-14T22:13:20Z');
    expect(Math.abs(method(tm, call(tm, 'now'), 'unix') - Date.now() / 1000)).toBeLessThan(5);
  });
});

describe('locations and validation', () => {
  it('the local zone: localtz, load_location("Local"), now() and in_local name the same zone', () => {
    const local = C.localtz;
    expect(method(tm, local, 'string')).toBe('Local');
    expect(call(tm, 'load_location', 'Local')).toEqual(local);
    const now = call(tm, 'now');
    expect(method(tm, method(tm, now, 'location'), 'string')).toBe('Local');
    const t = utcDate(2024, 6, 1, 12, 0, 0, 0);
    expect(method(tm, method(tm, t, 'in_local'), 'unix')).toBe(method(tm, t, 'unix'));
  });
  it('reads the local zone on first use, not when the module loads (the first Intl call costs ~8 MB of RSS)', async () => {
    vi.resetModules();
    const made = vi.spyOn(Intl, 'DateTimeFormat');
    try {
      const fresh = (await import('../../src/modules/time.js')).timeModule;
      expect(made).not.toHaveBeenCalled();
      expect(method(fresh, (fresh.constants as Record<string, any>).localtz, 'string')).toBe('Local');
      expect(made).toHaveBeenCalled();
    } finally {
      made.mockRestore();
    }
  });
  it('unknown zones are NotFound, empty is Invalid', () => {
    expect(() => call(tm, 'load_location', 'Mars/Olympus')).toThrow(expect.objectContaining({ kind: 'NotFound' }));
    expect(() => call(tm, 'load_location', '')).toThrow(expect.objectContaining({ kind: 'Invalid' }));
  });
  it('rejects forged or wrong self values', () => {
    expect(() => method(tm, { __type: 'time.Time', unix: 'x', nsec: 0 } as any, 'year')).toThrow(ArgumentFailure);
    const t = utcDate(2024, 1, 1, 0, 0, 0, 0);
    expect(() => method(tm, { ...t, tz: 'No/Such' }, 'year')).toThrow(ArgumentFailure);
    expect(() => method(tm, t, 'add', {})).toThrow(ArgumentFailure);
  });
});
