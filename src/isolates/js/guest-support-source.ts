// Guest-side console formatting and error descriptions, compiled lazily by the prelude on first console
// output or first error (console lines go to the host capped; errors become JSON descriptions).

/** Body of `new Function('d', ...)` compiled on first console use or error: { emit, describe }. */
export const GUEST_SUPPORT_SOURCE = String.raw`'use strict';
const { SYS, ErrorCtor, StringCtor, JSONstringify, call, arrayJoin, stringSlice, host, wsHas, moduleErrors,
  lookupErrors, ModuleError, resultReplacer, field } = d;
let logBudget = d.logBytes;
let logClosed = false;
function show(v) {
  if (typeof v === 'string') return v;
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return '[Function ' + (v.name || 'anonymous') + ']';
  if (typeof v === 'symbol' || typeof v === 'bigint') return StringCtor(v);
  if (v instanceof ErrorCtor) return StringCtor(v.name) + ': ' + StringCtor(v.message);
  try { const s = JSONstringify(v, resultReplacer); return s === undefined ? StringCtor(v) : s; }
  catch (e) { try { return StringCtor(v); } catch (e2) { return '[unprintable]'; } }
}
function emit(level, args) {
  if (logClosed) return;
  const parts = [];
  for (let i = 0; i < args.length; i++) parts[i] = show(args[i]);
  let line = call(arrayJoin, parts, ' ');
  if (level !== 'log') line = '[' + level + '] ' + line;
  if (line.length >= logBudget) {
    logClosed = true;
    host(SYS, 'log', JSONstringify(call(stringSlice, line, 0, logBudget > 0 ? logBudget : 0)));
    host(SYS, 'truncated', '');
    return;
  }
  logBudget -= line.length + 1;
  host(SYS, 'log', JSONstringify(line));
}
function describe(e) {
  const d = {};
  if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
    d.name = field(e, 'name');
    d.message = field(e, 'message');
    d.stack = field(e, 'stack');
    try { const ln = e.lineNumber; if (typeof ln === 'number') d.line = ln; } catch (x) { /* ignore */ }
    if (call(wsHas, moduleErrors, e)) {
      d.tag = 'module';
      d.kind = field(e, 'kind');
      d.retryable = e.retryable === true;
    } else if (call(wsHas, lookupErrors, e)) {
      d.tag = 'lookup';
    } else if (e instanceof ModuleError) {
      d.tag = 'module';
      d.kind = field(e, 'kind');
    }
    if (d.message === undefined && d.name === undefined) {
      try { d.message = JSONstringify(e); } catch (x) { d.message = '[object]'; }
    }
  } else {
    d.name = 'thrown value';
    try { d.message = typeof e === 'string' ? e : StringCtor(e); } catch (x) { d.message = typeof e; }
  }
  return 'E' + JSONstringify(d);
}
function reset(budget) { logBudget = budget; logClosed = false; }
return { emit, describe, reset };`;
