// Pattern matching of policy actions/resources: wildcards, prefixes and exact namespace boundaries.
// Covers the namespace-boundary cases of the app's deny policies (app:* vs app.generated:x ...).
import { describe, expect, it } from 'vitest';
import { compilePatterns, matchPattern, patternProblem } from '../../src/security/pattern.js';

describe('policy patterns', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'anything:at_all', true],
    ['*', '', true],
    ['app:dev_assistant', 'app:dev_assistant', true],
    ['app:dev_assistant', 'app:dev_assistant2', false],
    ['app:*', 'app:dev_assistant', true],
    ['app:*', 'app.generated:x', false],
    ['app:*', 'app.tools:x', false],
    ['app:*', 'app:', false],
    ['app:*', 'apps:x', false],
    ['app:*', 'app', false],
    ['app.tools:*', 'app.tools:x', true],
    ['app.tools:*', 'app.toolsx:y', false],
    ['app.tools:*', 'app.tools.sub:y', false],
    ['app.tools:*', 'app:x', false],
    ['app.tools:doc_*', 'app.tools:doc_search', true],
    ['app.tools:doc_*', 'app.tools:sha256_hex', false],
    ['document.read.*', 'document.read.x', true],
    ['document.read.*', 'document.read', false],
    ['document.read.*', 'document.write.x', false],
    ['registry.*', 'registry.create.function.lua', true],
    ['app.*', 'app.generated:x', true],
    ['app.*', 'app:x', false],
  ];
  it.each(cases)('%s against %s -> %s', (pattern, value, expected) => {
    expect(matchPattern(pattern, value)).toBe(expected);
  });

  it('a list matches when any of its patterns does', () => {
    const m = compilePatterns(['app:*', 'app.tools:*']);
    expect(m('app.tools:x')).toBe(true);
    expect(m('app:y')).toBe(true);
    expect(m('app.generated:z')).toBe(false);
  });

  it('rejects infix, leading and empty wildcards with the pattern in the message', () => {
    expect(patternProblem('app:*_tool')).toMatch(/"app:\*_tool".*only allowed alone or at the end/);
    expect(patternProblem('*_tool')).toMatch(/only allowed/);
    expect(patternProblem('')).toMatch(/empty/);
    expect(patternProblem(3)).toMatch(/expected a string/);
    expect(patternProblem('app:*')).toBeUndefined();
  });
});
