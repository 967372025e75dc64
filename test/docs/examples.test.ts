// Runs every executable example of docs/**/*.md (```lua example / ```js example, except `no-run`)
// through the real isolate pool, and checks each result against its ```json expect block when present.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IsolatePool } from '../../src/isolates/pool.js';
import { DEFAULT_LIMITS, type ToolSpec } from '../../src/isolates/types.js';
import { builtinAppDir, docsDir } from '../../src/paths.js';
import { loadDefinitions } from '../../src/registry/loader.js';
import { createRegistry } from '../../src/registry/registry.js';
import type { Registry } from '../../src/registry/types.js';
import { AGENT_ACTOR } from '../../src/security/actors.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { collectExamples, handlerSource, type DocExample } from './support/doc-examples.js';
import { docsPool, haveJsBuild, haveLuaBuild, modulesWithDocs as modules } from './support/docs-pool.js';

/** The filtered environment the env page's examples read. */
const EXAMPLE_ENV: Readonly<Record<string, string>> = { APP_MODE: 'dev', PORT: '8080' };

const examples = collectExamples(docsDir());
const runnable = examples.filter((e) => !e.noRun);
const haveEngine = { lua: haveLuaBuild, js: haveJsBuild };

let pool: IsolatePool;
let registry: Registry;

beforeAll(async () => {
  const base = (await loadDefinitions(builtinAppDir(), { logWarnings: false })).entries;
  registry = await createRegistry({ store: new MemoryStore(), base });
  pool = docsPool({ size: 2, services: { registry, env: EXAMPLE_ENV, net: { allow: [] } } });
});

afterAll(async () => {
  await pool?.close();
  await registry?.close();
});

/** The page's own module (modules/<name>), json, and whatever the example requires. */
function grantsOf(example: DocExample): string[] {
  const own = example.page.startsWith('modules/') ? [example.page.slice('modules/'.length)] : [];
  return [...new Set([...own, 'json', ...example.requires])];
}

function specOf(example: DocExample, n: number): ToolSpec {
  const granted = grantsOf(example);
  const privileged = granted.some((m) => modules.get(m)?.privileged === true);
  return {
    id: privileged ? `app.tools:doc_example_${n}` : `app.generated:doc_example_${n}`,
    version: 1,
    kind: example.lang === 'lua' ? 'function.lua' : 'function.js',
    source: handlerSource(example),
    method: 'handler',
    modules: granted,
    trusted: privileged,
    limits: DEFAULT_LIMITS,
  };
}

describe('docs examples', () => {
  it('finds examples on every module page, and expect blocks parse', () => {
    const pages = new Set(examples.map((e) => e.page));
    for (const page of ['http_client', 'registry', 'security', 'funcs', 'env', 'time', 'json']) expect(pages).toContain(`modules/${page}`);
    expect(runnable.length).toBeGreaterThan(40);
  });

  runnable.forEach((example, n) => {
    const name = `${example.page}.md:${example.line} (${example.lang})`;
    it.skipIf(!haveEngine[example.lang])(name, async () => {
      const result = await pool.call(specOf(example, n + 1), {}, { actor: AGENT_ACTOR });
      if (result.status !== 'ok') throw new Error(`${name} failed: ${result.error.kind}: ${result.error.message}`);
      if (example.expect) expect(result.value).toEqual(example.expect.value);
    });
  });
});
