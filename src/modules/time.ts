// The `time` module: Time/Duration/Location typed values, Go layouts for format/parse, IANA zones via Intl.
// Calendar arithmetic is our own (proleptic Gregorian, any year); zone offsets come from Intl.DateTimeFormat.
import { ArgumentFailure, ModuleFailure, multi, type GuestValue, type HostFn, type ModuleSpec, type TypedValue } from './module-spec.js';
import { typeName } from './bytes.js';

// ---------------------------------------------------------------------------------------------
// Calendar
const SEC_PER_DAY = 86_400;
/** Seconds from 0001-01-01 (Go's zero time) to the Unix epoch. */
const ZERO_TO_UNIX = 62_135_596_800;

export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [m <= 2 ? y + 1 : y, m, d];
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysIn(m: number, y: number): number {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** Wall-clock fields (any overflow normalised like Go's time.Date) to seconds since epoch as if UTC. */
function wallSeconds(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const m0 = mo - 1;
  y += Math.floor(m0 / 12);
  const m = ((m0 % 12) + 12) % 12 + 1;
  return (daysFromCivil(y, m, 1) + d - 1) * SEC_PER_DAY + h * 3600 + mi * 60 + s;
}

// ---------------------------------------------------------------------------------------------
// Locations
export interface Loc {
  /** Go's Location.String(): "UTC", "Local", "America/New_York", or a fixed zone's name. */
  readonly name: string;
  /** IANA zone for named locations; null for fixed zones. */
  readonly tz: string | null;
  /** Offset in seconds for fixed zones. */
  readonly fixed: number | null;
}

const UTC: Loc = { name: 'UTC', tz: null, fixed: 0 };
let local: Loc | undefined;

/**
 * The process's local zone, read on first use: the first Intl call loads ICU's data (measured here: 20-36
 * ms and +8 MB of RSS, once per process), which a session that never asks for local time does not pay.
 */
function localLoc(): Loc {
  if (local === undefined) {
    let tz: string;
    try {
      tz = new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    } catch {
      tz = 'UTC';
    }
    local = tz === 'UTC' || tz === 'Etc/UTC' ? { name: 'Local', tz: null, fixed: 0 } : { name: 'Local', tz, fixed: null };
  }
  return local;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();
function zoneFormatter(tz: string, locale = 'en-US'): Intl.DateTimeFormat | null {
  const key = `${locale}|${tz}`;
  let f = formatters.get(key);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat(locale, {
        timeZone: tz, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric', timeZoneName: 'short',
      });
    } catch {
      f = null;
    }
    formatters.set(key, f);
  }
  return f;
}

const MAX_DATE_SEC = 8.64e12 - SEC_PER_DAY;

function intlParts(tz: string, sec: number, locale = 'en-US'): Record<string, string> {
  const f = zoneFormatter(tz, locale);
  if (!f) throw new ModuleFailure('NotFound', `unknown time zone ${tz}`);
  const clamped = Math.max(-MAX_DATE_SEC, Math.min(MAX_DATE_SEC, sec));
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(clamped * 1000))) out[p.type] = p.value;
  return out;
}

/** Offset east of UTC in seconds for a location at an instant. */
export function offsetAt(loc: Loc, sec: number): number {
  if (loc.tz === null) return loc.fixed ?? 0;
  const clamped = Math.max(-MAX_DATE_SEC, Math.min(MAX_DATE_SEC, Math.floor(sec)));
  const p = intlParts(loc.tz, clamped);
  let year = Number(p.year);
  if (p.era === 'BC' || p.era === 'B') year = 1 - year;
  const wall = daysFromCivil(year, Number(p.month), Number(p.day)) * SEC_PER_DAY + Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second);
  return wall - clamped;
}

function numericZone(offset: number, colon: boolean, hoursOnlyWhenWhole: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  if (hoursOnlyWhenWhole && m === 0) return `${sign}${pad(h, 2)}`;
  return `${sign}${pad(h, 2)}${colon ? ':' : ''}${pad(m, 2)}`;
}

/** The zone abbreviation Go would print for MST ("EST", "CET", "UTC", or "+0530"-style). */
function abbreviation(loc: Loc, sec: number, offset: number): string {
  if (loc.tz === null) {
    if (loc.name === 'Local' || loc.name === 'UTC') return 'UTC';
    return loc.name;
  }
  if (loc.tz === 'UTC' || loc.tz === 'Etc/UTC') return 'UTC';
  for (const locale of ['en-US', 'en-GB']) {
    const name = intlParts(loc.tz, sec, locale).timeZoneName ?? '';
    if (name === 'UTC' || name === 'GMT') return offset === 0 ? (name === 'GMT' ? 'GMT' : 'UTC') : numericZone(offset, false, true);
    if (/^[A-Z]{2,5}$/.test(name)) return name;
  }
  return numericZone(offset, false, true);
}

function validTz(tz: string): boolean {
  return zoneFormatter(tz) !== null;
}

function loadLocation(name: string): Loc {
  if (name === '') throw new ModuleFailure('Invalid', 'empty location name');
  if (name === 'UTC') return UTC;
  if (name === 'Local') return localLoc();
  if (!/^[A-Za-z0-9_+\-/]+$/.test(name) || !validTz(name)) throw new ModuleFailure('NotFound', `unknown time zone ${name}`);
  return { name, tz: name, fixed: null };
}

function locValue(loc: Loc): TypedValue {
  return { __type: 'time.Location', name: loc.name, tz: loc.tz, fixed: loc.fixed };
}

function readLoc(v: GuestValue | undefined, what = 'location'): Loc {
  if (typeof v === 'string') {
    try {
      return loadLocation(v);
    } catch (e) {
      throw new ArgumentFailure(`${what}: ${(e as Error).message}`);
    }
  }
  if (typeof v !== 'object' || v === null || (v as TypedValue).__type !== 'time.Location') {
    throw new ArgumentFailure(`${what}: time.Location expected, got ${typeName(v ?? null)}`);
  }
  const o = v as TypedValue;
  const name = o.name, tz = o.tz ?? null, fixed = o.fixed ?? null;
  if (typeof name !== 'string') throw new ArgumentFailure(`${what}: invalid time.Location`);
  if (tz === null) {
    if (typeof fixed !== 'number' || !Number.isInteger(fixed) || Math.abs(fixed) > 7 * 86_400) throw new ArgumentFailure(`${what}: invalid time.Location`);
    return { name, tz: null, fixed };
  }
  if (typeof tz !== 'string' || !validTz(tz)) throw new ArgumentFailure(`${what}: invalid time.Location`);
  return { name, tz, fixed: null };
}

// ---------------------------------------------------------------------------------------------
// Times and durations
export interface T {
  readonly sec: number;
  readonly nsec: number;
  readonly loc: Loc;
}

function mkTime(sec: number, nsec: number, loc: Loc): T {
  const carry = Math.floor(nsec / 1e9);
  return { sec: sec + carry, nsec: nsec - carry * 1e9, loc };
}

export function timeValue(t: T): TypedValue {
  return { __type: 'time.Time', unix: t.sec, nsec: t.nsec, zone: t.loc.name, tz: t.loc.tz, fixed: t.loc.fixed };
}

function readTime(v: GuestValue | undefined, what = 'time'): T {
  if (typeof v !== 'object' || v === null || (v as TypedValue).__type !== 'time.Time') {
    throw new ArgumentFailure(`${what}: time.Time expected, got ${typeName(v ?? null)}`);
  }
  const o = v as TypedValue;
  const sec = o.unix, nsec = o.nsec;
  if (typeof sec !== 'number' || !Number.isSafeInteger(sec) || typeof nsec !== 'number' || !Number.isInteger(nsec) || nsec < 0 || nsec >= 1e9) {
    throw new ArgumentFailure(`${what}: invalid time.Time`);
  }
  const loc = readLoc({ __type: 'time.Location', name: o.zone ?? null, tz: o.tz ?? null, fixed: o.fixed ?? null }, what);
  return { sec, nsec, loc };
}

function durValue(ns: number): TypedValue {
  return { __type: 'time.Duration', ns };
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration. */
export function parseDuration(s: string): number {
  const orig = s;
  const fail = (): never => {
    throw new ModuleFailure('Invalid', `time: invalid duration "${orig}"`);
  };
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') fail();
  let total = 0;
  while (s !== '') {
    const m = /^([0-9]*)(\.[0-9]*)?([^0-9.]+)/.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === '.'))) fail();
    const unitMatch = /^(ns|us|µs|μs|ms|s|m|h)/.exec(m![3]!);
    if (!unitMatch) {
      throw new ModuleFailure('Invalid', m![3] ? `time: unknown unit "${m![3]}" in duration "${orig}"` : `time: missing unit in duration "${orig}"`);
    }
    const unit = unitMatch[1]!;
    const num = Number(`${m![1] || '0'}${m![2] && m![2] !== '.' ? m![2] : ''}`);
    total += num * UNIT_NS[unit]!;
    s = s.slice(m![1]!.length + (m![2]?.length ?? 0) + unit.length);
  }
  if (!Number.isFinite(total) || total > 9.223372036854776e18) throw new ModuleFailure('Invalid', `time: invalid duration "${orig}"`);
  return Math.round(neg ? -total : total);
}

/** Go's Duration.String(). */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = BigInt(Math.round(Math.abs(ns)));
  let out: string;
  if (u < 1_000_000_000n) {
    let unit: string, div: bigint;
    if (u < 1000n) return `${neg ? '-' : ''}${u}ns`;
    if (u < 1_000_000n) { unit = 'µs'; div = 1000n; } else { unit = 'ms'; div = 1_000_000n; }
    out = fracString(u, div) + unit;
  } else {
    const h = u / 3_600_000_000_000n;
    u -= h * 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u -= m * 60_000_000_000n;
    out = `${fracString(u, 1_000_000_000n)}s`;
    if (h > 0n) out = `${h}h${m}m${out}`;
    else if (m > 0n) out = `${m}m${out}`;
  }
  return (neg ? '-' : '') + out;
}

function fracString(v: bigint, div: bigint): string {
  const whole = v / div;
  const frac = v % div;
  if (frac === 0n) return String(whole);
  const digits = String(div).length - 1;
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** A duration argument: number (ns), string ("1h30m") or time.Duration. */
export function readDuration(v: GuestValue | undefined, what = 'duration'): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ArgumentFailure(`${what}: finite number expected`);
    return Math.trunc(v);
  }
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return parseDuration(v);
  if (typeof v === 'object' && v !== null && (v as TypedValue).__type === 'time.Duration') {
    const ns = (v as TypedValue).ns;
    if (typeof ns !== 'number' || !Number.isFinite(ns)) throw new ArgumentFailure(`${what}: invalid time.Duration`);
    return Math.trunc(ns);
  }
  throw new ArgumentFailure(`${what}: duration expected (number of ns, string or time.Duration), got ${typeName(v ?? null)}`);
}

function addNs(t: T, ns: number): T {
  const whole = Math.trunc(ns / 1e9);
  const rest = ns - whole * 1e9;
  return mkTime(t.sec + whole, t.nsec + rest, t.loc);
}

interface Fields {
  year: number; month: number; day: number; hour: number; minute: number; second: number;
  weekday: number; yday: number; offset: number;
}

function fields(t: T): Fields {
  const offset = offsetAt(t.loc, t.sec);
  const wall = t.sec + offset;
  const days = Math.floor(wall / SEC_PER_DAY);
  const sod = wall - days * SEC_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  return {
    year, month, day,
    hour: Math.floor(sod / 3600), minute: Math.floor((sod % 3600) / 60), second: sod % 60,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset,
  };
}

/** Go's time.Date: wall clock in loc, with normalisation of every overflowing field. */
function dateIn(y: number, mo: number, d: number, h: number, mi: number, s: number, ns: number, loc: Loc): T {
  const carry = Math.floor(ns / 1e9);
  const wall = wallSeconds(y, mo, d, h, mi, s) + carry;
  const off1 = offsetAt(loc, wall);
  let utc = wall - off1;
  const off2 = offsetAt(loc, utc);
  if (off2 !== off1) utc = wall - off2;
  return { sec: utc, nsec: ns - carry * 1e9, loc };
}

// ---------------------------------------------------------------------------------------------
// Go layouts
const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Std =
  | 'LongMonth' | 'Month' | 'NumMonth' | 'ZeroMonth' | 'LongWeekDay' | 'WeekDay' | 'Day' | 'UnderDay' | 'ZeroDay'
  | 'UnderYearDay' | 'ZeroYearDay' | 'Hour' | 'Hour12' | 'ZeroHour12' | 'Minute' | 'ZeroMinute' | 'Second' | 'ZeroSecond'
  | 'LongYear' | 'Year' | 'PM' | 'pm' | 'TZ'
  | 'ISO8601TZ' | 'ISO8601SecondsTZ' | 'ISO8601ShortTZ' | 'ISO8601ColonTZ' | 'ISO8601ColonSecondsTZ'
  | 'NumTZ' | 'NumSecondsTz' | 'NumShortTZ' | 'NumColonTZ' | 'NumColonSecondsTZ' | 'Frac0' | 'Frac9';

interface Chunk { prefix: string; std: Std | null; text: string; digits: number; sep: string }

const ZERO_STD: Record<string, Std> = { '1': 'ZeroMonth', '2': 'ZeroDay', '3': 'ZeroHour12', '4': 'ZeroMinute', '5': 'ZeroSecond', '6': 'Year' };
const TZ_TOKENS: [string, Std][] = [
  ['Z070000', 'ISO8601SecondsTZ'], ['Z07:00:00', 'ISO8601ColonSecondsTZ'], ['Z0700', 'ISO8601TZ'], ['Z07:00', 'ISO8601ColonTZ'], ['Z07', 'ISO8601ShortTZ'],
  ['-070000', 'NumSecondsTz'], ['-07:00:00', 'NumColonSecondsTZ'], ['-0700', 'NumTZ'], ['-07:00', 'NumColonTZ'], ['-07', 'NumShortTZ'],
];

/** Splits a Go layout into literal prefixes and standard tokens (Go's nextStdChunk). */
export function layoutChunks(layout: string): Chunk[] {
  const out: Chunk[] = [];
  let start = 0;
  let i = 0;
  const push = (std: Std, len: number, extra: Partial<Chunk> = {}, prefixEnd = i): void => {
    out.push({ prefix: layout.slice(start, prefixEnd), std, text: layout.slice(prefixEnd, i + len), digits: 0, sep: '', ...extra });
    i += len;
    start = i;
  };
  while (i < layout.length) {
    const c = layout[i]!;
    const at = (s: string): boolean => layout.startsWith(s, i);
    if (c === 'J' && at('Jan')) { push(at('January') ? 'LongMonth' : 'Month', at('January') ? 7 : 3); continue; }
    if (c === 'M') {
      if (at('Monday')) { push('LongWeekDay', 6); continue; }
      if (at('Mon')) { push('WeekDay', 3); continue; }
      if (at('MST')) { push('TZ', 3); continue; }
    }
    if (c === '0') {
      const n = layout[i + 1];
      if (n !== undefined && n >= '1' && n <= '6') { push(ZERO_STD[n]!, 2); continue; }
      if (at('002')) { push('ZeroYearDay', 3); continue; }
    }
    if (c === '1') { if (at('15')) push('Hour', 2); else push('NumMonth', 1); continue; }
    if (c === '2') { if (at('2006')) push('LongYear', 4); else push('Day', 1); continue; }
    if (c === '_' && layout[i + 1] === '2') {
      if (at('_2006')) {
        // A literal '_' followed by the year.
        out.push({ prefix: layout.slice(start, i + 1), std: 'LongYear', text: '2006', digits: 0, sep: '' });
        i += 5; start = i; continue;
      }
      push('UnderDay', 2); continue;
    }
    if (c === '_' && at('__2')) { push('UnderYearDay', 3); continue; }
    if (c === '3') { push('Hour12', 1); continue; }
    if (c === '4') { push('Minute', 1); continue; }
    if (c === '5') { push('Second', 1); continue; }
    if (c === 'P' && at('PM')) { push('PM', 2); continue; }
    if (c === 'p' && at('pm')) { push('pm', 2); continue; }
    if (c === '-' || c === 'Z') {
      const hit = TZ_TOKENS.find(([tok]) => tok[0] === c && at(tok));
      if (hit) { push(hit[1], hit[0].length); continue; }
    }
    if ((c === '.' || c === ',') && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
      const ch = layout[i + 1]!;
      let j = i + 1;
      while (j < layout.length && layout[j] === ch) j++;
      if (!(j < layout.length && layout[j]! >= '0' && layout[j]! <= '9')) {
        push(ch === '0' ? 'Frac0' : 'Frac9', j - i, { digits: j - i - 1, sep: c });
        continue;
      }
    }
    i++;
  }
  if (start < layout.length) out.push({ prefix: layout.slice(start), std: null, text: '', digits: 0, sep: '' });
  return out;
}

function pad(n: number, width: number, ch = '0'): string {
  const s = String(Math.abs(n)).padStart(width, ch);
  return n < 0 ? `-${s}` : s;
}

/** Go's Time.Format. */
export function formatTime(t: T, layout: string): string {
  const f = fields(t);
  let out = '';
  for (const ch of layoutChunks(layout)) {
    out += ch.prefix;
    switch (ch.std) {
      case null: break;
      case 'LongMonth': out += LONG_MONTHS[f.month - 1]; break;
      case 'Month': out += LONG_MONTHS[f.month - 1]!.slice(0, 3); break;
      case 'NumMonth': out += f.month; break;
      case 'ZeroMonth': out += pad(f.month, 2); break;
      case 'LongWeekDay': out += LONG_DAYS[f.weekday]; break;
      case 'WeekDay': out += LONG_DAYS[f.weekday]!.slice(0, 3); break;
      case 'Day': out += f.day; break;
      case 'UnderDay': out += pad(f.day, 2, ' '); break;
      case 'ZeroDay': out += pad(f.day, 2); break;
      case 'UnderYearDay': out += pad(f.yday, 3, ' '); break;
      case 'ZeroYearDay': out += pad(f.yday, 3); break;
      case 'Hour': out += pad(f.hour, 2); break;
      case 'Hour12': out += f.hour % 12 === 0 ? 12 : f.hour % 12; break;
      case 'ZeroHour12': out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, 2); break;
      case 'Minute': out += f.minute; break;
      case 'ZeroMinute': out += pad(f.minute, 2); break;
      case 'Second': out += f.second; break;
      case 'ZeroSecond': out += pad(f.second, 2); break;
      case 'LongYear': out += pad(f.year, 4); break;
      case 'Year': out += pad(((f.year % 100) + 100) % 100, 2); break;
      case 'PM': out += f.hour >= 12 ? 'PM' : 'AM'; break;
      case 'pm': out += f.hour >= 12 ? 'pm' : 'am'; break;
      case 'TZ': out += abbreviation(t.loc, t.sec, f.offset) || numericZone(f.offset, false, false); break;
      case 'Frac0': out += ch.sep + String(t.nsec).padStart(9, '0').slice(0, ch.digits); break;
      case 'Frac9': {
        const digits = String(t.nsec).padStart(9, '0').slice(0, ch.digits).replace(/0+$/, '');
        if (digits) out += ch.sep + digits;
        break;
      }
      default: {
        const iso = ch.std.startsWith('ISO8601');
        if (iso && f.offset === 0) { out += 'Z'; break; }
        const abs = Math.abs(f.offset);
        out += (f.offset < 0 ? '-' : '+') + pad(Math.floor(abs / 3600), 2);
        const colon = ch.std.includes('Colon');
        if (!ch.std.includes('Short')) out += (colon ? ':' : '') + pad(Math.floor((abs % 3600) / 60), 2);
        if (ch.std.includes('Seconds')) out += (colon ? ':' : '') + pad(abs % 60, 2);
      }
    }
  }
  return out;
}

class ParseError extends Error {}

/** Go's time.Parse / ParseInLocation. */
export function parseTime(layout: string, value: string, defaultLoc: Loc, local: Loc): T {
  const orig = value;
  const fail = (rest: string, elem: string, extra = ''): never => {
    throw new ParseError(`parsing time ${JSON.stringify(orig)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(elem)}${extra}`);
  };
  let year = 0, month = -1, day = -1, yday = -1, hour = 0, min = 0, sec = 0, nsec = 0;
  let pmSet = false, amSet = false;
  let zoneOffset: number | null = null;
  let zoneName: string | null = null;
  let utc = false;
  const chunks = layoutChunks(layout);
  const num = (fixed: boolean, elem: string, lo: number, hi: number, maxDigits = 2): number => {
    const m = (fixed ? new RegExp(`^\\d{${maxDigits}}`) : new RegExp(`^\\d{1,${maxDigits}}`)).exec(value);
    if (!m) fail(value, elem);
    const n = Number(m![0]);
    if (n < lo || n > hi) throw new ParseError(`parsing time ${JSON.stringify(orig)}: ${elem === '2' || elem === '_2' || elem === '02' ? 'day' : 'value'} out of range`);
    value = value.slice(m![0].length);
    return n;
  };
  for (let ci = 0; ci < chunks.length; ci++) {
    const ch = chunks[ci]!;
    // Literal prefix; runs of spaces match runs of spaces.
    let prefix = ch.prefix;
    while (prefix.length > 0) {
      if (prefix[0] === ' ') {
        if (value.length > 0 && value[0] !== ' ') fail(value, ch.prefix);
        prefix = prefix.replace(/^ +/, '');
        value = value.replace(/^ +/, '');
        continue;
      }
      if (value.length === 0 || value[0] !== prefix[0]) fail(value, ch.prefix);
      prefix = prefix.slice(1);
      value = value.slice(1);
    }
    if (ch.std === null) break;
    const elem = ch.text;
    const hold = value;
    switch (ch.std) {
      case 'Year': { const m = /^\d\d/.exec(value); if (!m) fail(hold, elem); const y = Number(m![0]); year = y >= 69 ? 1900 + y : 2000 + y; value = value.slice(2); break; }
      case 'LongYear': { const m = /^\d{4}/.exec(value); if (!m) fail(hold, elem); year = Number(m![0]); value = value.slice(4); break; }
      case 'Month': case 'LongMonth': {
        const names = ch.std === 'Month' ? LONG_MONTHS.map((n) => n.slice(0, 3)) : LONG_MONTHS;
        const idx = names.findIndex((n) => value.slice(0, n.length).toLowerCase() === n.toLowerCase());
        if (idx < 0) fail(hold, elem);
        value = value.slice(names[idx]!.length); month = idx + 1; break;
      }
      case 'NumMonth': case 'ZeroMonth': month = num(ch.std === 'ZeroMonth', elem, 1, 12); break;
      case 'WeekDay': case 'LongWeekDay': {
        const names = ch.std === 'WeekDay' ? LONG_DAYS.map((n) => n.slice(0, 3)) : LONG_DAYS;
        const idx = names.findIndex((n) => value.slice(0, n.length).toLowerCase() === n.toLowerCase());
        if (idx < 0) fail(hold, elem);
        value = value.slice(names[idx]!.length); break;
      }
      case 'Day': case 'UnderDay': case 'ZeroDay':
        if (ch.std === 'UnderDay' && value[0] === ' ') value = value.slice(1);
        day = num(ch.std === 'ZeroDay', elem, 1, 31); break;
      case 'UnderYearDay': case 'ZeroYearDay':
        for (let k = 0; k < 2 && ch.std === 'UnderYearDay' && value[0] === ' '; k++) value = value.slice(1);
        yday = num(ch.std === 'ZeroYearDay', elem, 1, 366, 3); break;
      case 'Hour': hour = num(false, elem, 0, 23); break;
      case 'Hour12': case 'ZeroHour12': hour = num(ch.std === 'ZeroHour12', elem, 0, 12); break;
      case 'Minute': case 'ZeroMinute': min = num(ch.std === 'ZeroMinute', elem, 0, 59); break;
      case 'Second': case 'ZeroSecond': {
        sec = num(ch.std === 'ZeroSecond', elem, 0, 59);
        const next = chunks[ci + 1];
        const m = /^[.,](\d+)/.exec(value);
        if (m && !(next && next.prefix === '' && (next.std === 'Frac0' || next.std === 'Frac9'))) {
          nsec = Number(m[1]!.slice(0, 9).padEnd(9, '0'));
          value = value.slice(m[0].length);
        }
        break;
      }
      case 'PM': case 'pm': {
        const p = value.slice(0, 2);
        const up = ch.std === 'PM' ? p : p.toUpperCase();
        if (up === 'PM') pmSet = true; else if (up === 'AM') amSet = true; else fail(hold, elem);
        value = value.slice(2); break;
      }
      case 'TZ': {
        if (value.startsWith('UTC')) { utc = true; value = value.slice(3); break; }
        const m = /^(GMT[+-]\d{1,2}|[A-Z][A-Za-z]{2,4}T?)/.exec(value);
        if (!m) fail(hold, elem);
        zoneName = m![0]; value = value.slice(m![0].length); break;
      }
      case 'Frac0': {
        const m = new RegExp(`^[.,](\\d{${ch.digits}})`).exec(value);
        if (!m) fail(hold, elem);
        nsec = Number(m![1]!.slice(0, 9).padEnd(9, '0')); value = value.slice(m![0].length); break;
      }
      case 'Frac9': {
        const m = /^[.,](\d+)/.exec(value);
        if (m) { nsec = Number(m[1]!.slice(0, 9).padEnd(9, '0')); value = value.slice(m[0].length); }
        break;
      }
      default: {
        if (ch.std.startsWith('ISO8601') && value[0] === 'Z') { utc = true; value = value.slice(1); break; }
        const colon = ch.std.includes('Colon');
        const short = ch.std.includes('Short');
        const secs = ch.std.includes('Seconds');
        const re = new RegExp(`^([+-])(\\d\\d)${short ? '' : colon ? ':(\\d\\d)' : '(\\d\\d)'}${secs ? (colon ? ':(\\d\\d)' : '(\\d\\d)') : ''}`);
        const m = re.exec(value);
        if (!m) fail(hold, elem);
        const hh = Number(m![2]), mm = Number(m![3] ?? 0), ss = Number(secs ? m![4] : 0);
        if (hh > 24 || mm > 60 || ss > 60) fail(hold, elem, ': time zone offset out of range');
        zoneOffset = (hh * 3600 + mm * 60 + ss) * (m![1] === '-' ? -1 : 1);
        value = value.slice(m![0].length);
      }
    }
  }
  if (value.length > 0) throw new ParseError(`parsing time ${JSON.stringify(orig)}: extra text: ${JSON.stringify(value)}`);
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    let m = 0, d = yday;
    if (d > (isLeap(year) ? 366 : 365)) throw new ParseError(`parsing time ${JSON.stringify(orig)}: day-of-year out of range`);
    while (m < 12 && d > daysIn(m + 1, year)) { d -= daysIn(m + 1, year); m++; }
    if ((month >= 0 && month !== m + 1) || (day >= 0 && day !== d)) throw new ParseError(`parsing time ${JSON.stringify(orig)}: day-of-year does not match month and day`);
    month = m + 1; day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day > daysIn(month, year)) throw new ParseError(`parsing time ${JSON.stringify(orig)}: day out of range`);
  const wall = wallSeconds(year, month, day, hour, min, sec);
  if (utc) return { sec: wall, nsec, loc: UTC };
  if (zoneOffset !== null) {
    const at = wall - zoneOffset;
    if (offsetAt(local, at) === zoneOffset && (zoneName === null || abbreviation(local, at, zoneOffset) === zoneName)) return { sec: at, nsec, loc: local };
    return { sec: at, nsec, loc: { name: zoneName ?? '', tz: null, fixed: zoneOffset } };
  }
  if (zoneName !== null) {
    const guess = wall - offsetAt(local, wall);
    const off = offsetAt(local, guess);
    if (abbreviation(local, guess, off) === zoneName) return { sec: wall - off, nsec, loc: local };
    let offset = 0;
    if (zoneName.startsWith('GMT') && zoneName.length > 3) offset = Number(zoneName.slice(3)) * 3600;
    if (zoneName === 'GMT') return { sec: wall, nsec, loc: { name: 'GMT', tz: null, fixed: 0 } };
    return { sec: wall - offset, nsec, loc: { name: zoneName, tz: null, fixed: offset } };
  }
  return dateIn(year, month, day, hour, min, sec, nsec, defaultLoc);
}

/** Go's Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST". */
function timeString(t: T): string {
  return formatTime(t, '2006-01-02 15:04:05.999999999 -0700 MST');
}

// ---------------------------------------------------------------------------------------------
// Module
export const LAYOUTS = {
  LAYOUT: "01/02 03:04:05PM '06 -0700",
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UNIX_DATE: 'Mon Jan _2 15:04:05 MST 2006',
  RUBY_DATE: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339NANO: '2006-01-02T15:04:05.999999999Z07:00',
  KITCHEN: '3:04PM',
  STAMP: 'Jan _2 15:04:05',
  STAMP_MILLI: 'Jan _2 15:04:05.000',
  STAMP_MICRO: 'Jan _2 15:04:05.000000',
  STAMP_NANO: 'Jan _2 15:04:05.000000000',
  DATE_TIME: '2006-01-02 15:04:05',
  DATE_ONLY: '2006-01-02',
  TIME_ONLY: '15:04:05',
} as const;

function str(v: GuestValue | undefined, what: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  throw new ArgumentFailure(`${what}: string expected, got ${typeName(v ?? null)}`);
}

function intArg(v: GuestValue | undefined, what: string, fallback?: number): number {
  if ((v === null || v === undefined) && fallback !== undefined) return fallback;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'bigint') return Number(v);
  throw new ArgumentFailure(`${what}: number expected, got ${typeName(v ?? null)}`);
}

function nowTime(): T {
  const ms = performance.timeOrigin + performance.now();
  const sec = Math.floor(ms / 1000);
  const nsec = Math.min(999_999_999, Math.max(0, Math.round((ms - sec * 1000) * 1e6)));
  return { sec, nsec, loc: localLoc() };
}

function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const t = (fn: (self: T, ...args: GuestValue[]) => GuestValue): HostFn => (_ctx, self, ...args) => fn(readTime(self, 'self'), ...args);
const d = (fn: (ns: number, ...args: GuestValue[]) => GuestValue): HostFn => (_ctx, self, ...args) => {
  if (typeof self !== 'object' || self === null || (self as TypedValue).__type !== 'time.Duration') throw new ArgumentFailure(`self: time.Duration expected, got ${typeName(self ?? null)}`);
  return fn(readDuration(self, 'self'), ...args);
};

function roundTo(self: T, dns: number, mode: 'round' | 'truncate'): T {
  if (dns <= 0) return self;
  const abs = (BigInt(self.sec) + BigInt(ZERO_TO_UNIX)) * 1_000_000_000n + BigInt(self.nsec);
  const dd = BigInt(Math.trunc(dns));
  const r = ((abs % dd) + dd) % dd;
  let target = abs - r;
  if (mode === 'round' && r + r >= dd) target += dd;
  const sec = target / 1_000_000_000n;
  return { sec: Number(sec) - ZERO_TO_UNIX, nsec: Number(target - sec * 1_000_000_000n), loc: self.loc };
}

export const timeModule: ModuleSpec = {
  name: 'time',
  summary: 'Time instants, durations and time zones (Go semantics): now, date, unix, parse and format with Go layouts, IANA locations, add/sub/add_date, round/truncate, sleep.',
  constants: {
    NANOSECOND: 1, MICROSECOND: 1e3, MILLISECOND: 1e6, SECOND: 1e9, MINUTE: 60e9, HOUR: 3600e9,
    ...LAYOUTS,
    JANUARY: 1, FEBRUARY: 2, MARCH: 3, APRIL: 4, MAY: 5, JUNE: 6, JULY: 7, AUGUST: 8, SEPTEMBER: 9, OCTOBER: 10, NOVEMBER: 11, DECEMBER: 12,
    SUNDAY: 0, MONDAY: 1, TUESDAY: 2, WEDNESDAY: 3, THURSDAY: 4, FRIDAY: 5, SATURDAY: 6,
    utc: locValue(UTC),
    // a getter: read when a tool requires the module, not when the supervisor or a worker loads it
    get localtz() {
      return locValue(localLoc());
    },
  },
  functions: {
    now: () => timeValue(nowTime()),
    date: (_ctx, y, mo, day, h, mi, s, ns, loc) =>
      timeValue(dateIn(intArg(y, 'year'), intArg(mo, 'month'), intArg(day, 'day'), intArg(h, 'hour', 0), intArg(mi, 'min', 0), intArg(s, 'sec', 0), intArg(ns, 'nsec', 0),
        loc === null || loc === undefined ? localLoc() : readLoc(loc))),
    unix: (_ctx, sec, nsec) => {
      const s = typeof sec === 'number' ? sec : intArg(sec, 'sec');
      const whole = Math.floor(s);
      return timeValue(mkTime(whole, Math.round((s - whole) * 1e9) + intArg(nsec, 'nsec', 0), localLoc()));
    },
    parse: (_ctx, layout, value, loc) => {
      const l = str(layout, 'layout');
      const v = str(value, 'value');
      const where = loc === null || loc === undefined ? null : readLoc(loc);
      try {
        return timeValue(where ? parseTime(l, v, where, where) : parseTime(l, v, UTC, localLoc()));
      } catch (e) {
        if (e instanceof ParseError) throw new ModuleFailure('Invalid', e.message);
        throw e;
      }
    },
    parse_duration: (_ctx, v) => {
      if (typeof v === 'string') return durValue(parseDuration(v));
      return durValue(readDuration(v));
    },
    load_location: (_ctx, name) => locValue(loadLocation(str(name, 'name'))),
    fixed_zone: (_ctx, name, offset) => locValue({ name: str(name, 'name'), tz: null, fixed: intArg(offset, 'offset') }),
    sleep: (ctx, dur) => {
      const ns = readDuration(dur);
      const ms = ns / 1e6;
      const left = ctx.deadline - Date.now();
      if (ms > left) {
        sleepSync(Math.max(0, left));
        throw new ModuleFailure('Timeout', `sleep of ${formatDuration(ns)} exceeds the call deadline`);
      }
      sleepSync(ms);
      return null;
    },
  },
  types: {
    'time.Time': {
      tostring: t((self) => timeString(self)),
      methods: {
        add: t((self, dur) => timeValue(addNs(self, readDuration(dur)))),
        sub: t((self, other) => {
          const o = readTime(other, 'other');
          return durValue((self.sec - o.sec) * 1e9 + (self.nsec - o.nsec));
        }),
        add_date: t((self, y, m, dd) => {
          const f = fields(self);
          return timeValue(dateIn(f.year + intArg(y, 'years', 0), f.month + intArg(m, 'months', 0), f.day + intArg(dd, 'days', 0), f.hour, f.minute, f.second, self.nsec, self.loc));
        }),
        before: t((self, o) => { const b = readTime(o, 'other'); return self.sec < b.sec || (self.sec === b.sec && self.nsec < b.nsec); }),
        after: t((self, o) => { const b = readTime(o, 'other'); return self.sec > b.sec || (self.sec === b.sec && self.nsec > b.nsec); }),
        equal: t((self, o) => { const b = readTime(o, 'other'); return self.sec === b.sec && self.nsec === b.nsec; }),
        format: t((self, layout) => formatTime(self, str(layout, 'layout'))),
        format_rfc3339: t((self) => formatTime(self, LAYOUTS.RFC3339)),
        string: t((self) => timeString(self)),
        unix: t((self) => self.sec),
        unix_milli: t((self) => self.sec * 1000 + Math.floor(self.nsec / 1e6)),
        unix_nano: t((self) => self.sec * 1e9 + self.nsec),
        date: t((self) => { const f = fields(self); return multi(f.year, f.month, f.day); }),
        clock: t((self) => { const f = fields(self); return multi(f.hour, f.minute, f.second); }),
        year: t((self) => fields(self).year),
        month: t((self) => fields(self).month),
        day: t((self) => fields(self).day),
        hour: t((self) => fields(self).hour),
        minute: t((self) => fields(self).minute),
        second: t((self) => fields(self).second),
        nanosecond: t((self) => self.nsec),
        weekday: t((self) => fields(self).weekday),
        year_day: t((self) => fields(self).yday),
        is_zero: t((self) => self.sec === -ZERO_TO_UNIX && self.nsec === 0),
        utc: t((self) => timeValue({ ...self, loc: UTC })),
        in_local: t((self) => timeValue({ ...self, loc: localLoc() })),
        in_location: t((self, loc) => timeValue({ ...self, loc: readLoc(loc) })),
        location: t((self) => locValue(self.loc)),
        zone: t((self) => { const off = offsetAt(self.loc, self.sec); return multi(abbreviation(self.loc, self.sec, off), off); }),
        round: t((self, dur) => timeValue(roundTo(self, readDuration(dur), 'round'))),
        truncate: t((self, dur) => timeValue(roundTo(self, readDuration(dur), 'truncate'))),
      },
    },
    'time.Duration': {
      tostring: d((ns) => formatDuration(ns)),
      methods: {
        hours: d((ns) => ns / 3600e9),
        minutes: d((ns) => ns / 60e9),
        seconds: d((ns) => ns / 1e9),
        milliseconds: d((ns) => Math.trunc(ns / 1e6)),
        microseconds: d((ns) => Math.trunc(ns / 1e3)),
        nanoseconds: d((ns) => ns),
        string: d((ns) => formatDuration(ns)),
      },
    },
    'time.Location': {
      tostring: (_ctx, self) => readLoc(self, 'self').name,
      methods: {
        string: (_ctx, self) => readLoc(self, 'self').name,
      },
    },
  },
};
