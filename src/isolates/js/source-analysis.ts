// Source analysis for JavaScript tools: ES module or script (cached per id and version), absurd nesting
// refused before parsing, and module syntax checks for compile() without running the handler.
import type { QuickJSContext, QuickJSRuntime } from 'quickjs-emscripten';
import type { IsolateError, ToolSpec } from '../types.js';
import type { CallGuard } from './call-guard.js';
import { classifyGuestError, isParseError, type GuestErrorDescription } from './guest-errors.js';
import { excessiveNestingLine, MAX_SOURCE_NESTING } from './source-nesting.js';
import { toolFilename, type CachedTool, type ToolCache } from './tool-cache.js';

/**
 * Decides once per (id, version) whether the source is an ES module or a script. A source without
 * `export`/`import` that compiles as a script is a script; everything else is a module, whose syntax
 * errors surface when it is evaluated. (Measured: in quickjs-emscripten 0.32, `compileOnly` with type
 * 'module' returns a value the binding mistakes for an exception, so modules are never compile-only'd.)
 */
export function analyzeSource(ctx: QuickJSContext, tool: ToolSpec, cache: ToolCache): CachedTool {
  const deepLine = excessiveNestingLine(tool.source);
  if (deepLine !== undefined) {
    return cache.put(tool, 'module', {
      kind: 'CompileError',
      message: `SyntaxError: brackets nest deeper than ${MAX_SOURCE_NESTING} levels`,
      line: deepLine,
    });
  }
  if (!/\b(export|import)\b/.test(tool.source) && compilesAsScript(ctx, tool.source, toolFilename(tool))) {
    return cache.put(tool, 'script');
  }
  return cache.put(tool, 'module');
}

function compilesAsScript(ctx: QuickJSContext, source: string, filename: string): boolean {
  const res = ctx.evalCode(source, filename, { type: 'global', compileOnly: true });
  if (res.error) {
    res.error.dispose();
    return false;
  }
  res.value.dispose();
  return true;
}

/** compile() for modules: evaluates in a bare scratch context with a one-poll budget; only parse errors count. */
export function checkModuleSyntax(
rt: QuickJSRuntime,
ctx: QuickJSContext,
entry: CachedTool,
tool: ToolSpec,
guard: CallGuard,
): IsolateError | undefined {
  rt.setMemoryLimit(tool.limits.memoryBytes);
  guard.arm(Date.now() + tool.limits.timeoutMs, tool.limits.timeoutMs, 1);
  try {
    const res = ctx.evalCode(entry.source, entry.filename, { type: 'module' });
    if (!res.error) {
      res.value.dispose();
      return undefined;
    }
    let desc: GuestErrorDescription = {};
    try {
      const dumped = ctx.dump(res.error) as { name?: unknown; message?: unknown; stack?: unknown } | null;
      desc = {
        name: String(dumped?.name ?? ''),
        message: String(dumped?.message ?? ''),
        ...(typeof dumped?.stack === 'string' ? { stack: dumped.stack } : {}),
      };
    } catch {
      // an exception we cannot read is not a parse error
    }
    res.error.dispose();
    if (guard.killed) return undefined;
    const error = classifyGuestError(desc, entry.filename, 'compile');
    return isParseError(desc) || error.kind === 'ModuleNotFound' ? error : undefined;
  } finally {
    guard.disarm();
    rt.setMemoryLimit(-1);
  }
}
