// The built-in doc_search tool (src/app/tools/doc_search.lua) run through the real isolate pool: local
// page and search answers, and a loopback "remote docs endpoint" asked first with local fallback.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IsolatePool } from '../../src/isolates/pool.js';
import { DEFAULT_LIMITS, type ToolSpec } from '../../src/isolates/types.js';
import { toolModuleConfig } from '../../src/cli/tool-env.js';
import { builtinAppDir, packageRoot } from '../../src/paths.js';
import { loadDefinitions } from '../../src/registry/loader.js';
import { AGENT_ACTOR } from '../../src/security/actors.js';
import { docsPool, haveLuaBuild } from './support/docs-pool.js';

const SOURCE = readFileSync(join(builtinAppDir(), 'tools', 'doc_search.lua'), 'utf8');
const TOOL: ToolSpec = {
  id: 'app.tools:doc_search',
  version: 1,
  kind: 'function.lua',
  source: SOURCE,
  method: 'handler',
  modules: ['http_client', 'json', 'docs'],
  trusted: true,
  limits: DEFAULT_LIMITS,
};

interface Seen {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

let server: Server;
let port: number;
const seen: Seen[] = [];
let localPool: IsolatePool;
let remotePool: IsolatePool;
let downPool: IsolatePool;

/** A stand-in for https://wippy.ai/llm: JSON search results, one page, plain text, failures. */
function serve(): Server {
  return createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/llm/search') {
      const q = url.searchParams.get('q') ?? '';
      if (q.includes('broken')) {
        res.statusCode = 500;
        res.end('oops');
      } else if (q.includes('prose')) {
        res.end('plain text answer');
      } else {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify([{ path: 'lua/core/time', title: 'Time', summary: `remote hit for ${q}` }]));
      }
      return;
    }
    if (url.pathname === '/llm/path/en/lua/core/funcs') {
      res.end('# Funcs\n\nremote page body');
      return;
    }
    res.statusCode = 404;
    res.end('not found');
  });
}

async function run(pool: IsolatePool, input: unknown): Promise<any> {
  const r = await pool.call(TOOL, input, { actor: AGENT_ACTOR });
  if (r.status !== 'ok') throw new Error(`doc_search failed: ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

/** A loopback port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const p = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return p;
}

beforeAll(async () => {
  server = serve();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const down = await closedPort();
  const net = { allow: [`127.0.0.1:${port}`, `127.0.0.1:${down}`] };
  localPool = docsPool({ services: { net }, moduleConfig: toolModuleConfig({}) });
  remotePool = docsPool({ services: { net }, moduleConfig: toolModuleConfig({ MICRO_AGI_DOCS_REMOTE: `http://127.0.0.1:${port}/llm/` }) });
  downPool = docsPool({ services: { net }, moduleConfig: toolModuleConfig({ MICRO_AGI_DOCS_REMOTE: `http://127.0.0.1:${down}/llm` }) });
});

afterAll(async () => {
  await Promise.all([localPool?.close(), remotePool?.close(), downPool?.close()]);
  await new Promise((resolve) => server.close(resolve));
});

describe.skipIf(!haveLuaBuild)('doc_search tool, local docs', () => {
  it('asks for path or query when given neither', async () => {
    expect(await run(localPool, {})).toEqual({ error: "provide either 'path' or 'query'" });
    expect(await run(localPool, { query: '' })).toEqual({ error: "provide either 'path' or 'query'" });
  });

  it('returns a page by path from the local docs', async () => {
    const r = await run(localPool, { path: '/modules/time.md' });
    expect(r).toMatchObject({ path: 'modules/time', source: 'local' });
    expect(r.content.startsWith('# time')).toBe(true);
    expect(r.content.length).toBeLessThanOrEqual(8000 + '\n... (truncated)'.length);
  });

  it('names the nearest paths for an unknown page', async () => {
    const r = await run(localPool, { path: 'modules/tme' });
    expect(r.error).toMatch(/modules\/time/);
  });

  it('searches the local docs: top 5 {path, title, snippet}', async () => {
    const r = await run(localPool, { query: 'http get with headers' });
    expect(r.results.length).toBeGreaterThan(0);
    expect(r.results.length).toBeLessThanOrEqual(5);
    expect(r.results[0]).toEqual({ path: 'modules/http_client', title: expect.any(String), snippet: expect.any(String), source: 'local' });
    expect(r.remote_error).toBeUndefined();
  });

  it('says so, listing the pages, when nothing matches', async () => {
    const r = await run(localPool, { query: 'zzxqv' });
    expect(r.message).toMatch(/no page matches.*modules\/time/);
  });
});

describe.skipIf(!haveLuaBuild)('the registered app.tools:doc_search entry', () => {
  it('is granted the modules its source requires and answers a query', async () => {
    const entry = (await loadDefinitions(builtinAppDir(), { logWarnings: false })).entries.find((e) => e.id === 'app.tools:doc_search');
    expect(entry).toBeDefined();
    // Exactly these: the remote endpoint comes from docs.remote(), so doc_search is not granted `env`.
    expect((entry!.data as { modules: string[] }).modules).toEqual(['http_client', 'json', 'docs']);
    const r = await localPool.callEntry(entry!, 0, { query: 'parse json' }, { actor: AGENT_ACTOR });
    expect(r).toMatchObject({ status: 'ok', value: { results: expect.arrayContaining([expect.objectContaining({ path: 'modules/json' })]) } });
  });
});

describe.skipIf(!haveLuaBuild)('doc_search tool with a remote docs endpoint', () => {
  it('asks the remote search first (encoded query, User-Agent) and labels merged results by source', async () => {
    seen.length = 0;
    const r = await run(remotePool, { query: 'format time & date' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('/llm/search?q=format+time+%26+date');
    expect(seen[0]!.headers['user-agent']).toBe('micro-agi/1.0');
    expect(r.results[0]).toEqual({ path: 'lua/core/time', title: 'Time', snippet: 'remote hit for format time & date', source: 'remote' });
    expect(r.results.slice(1).every((x: any) => x.source === 'local')).toBe(true);
    expect(r.results.map((x: any) => x.path)).toContain('modules/time');
  });

  it('keeps a non-JSON remote answer as text beside the local results', async () => {
    const r = await run(remotePool, { query: 'prose about json' });
    expect(r.remote).toBe('plain text answer');
    expect(r.results.every((x: any) => x.source === 'local')).toBe(true);
  });

  it('falls back to the local docs on a non-200 answer', async () => {
    const r = await run(remotePool, { query: 'broken base64 decode' });
    expect(r.remote_error).toBe('HTTP 500');
    expect(r.results[0]).toMatchObject({ path: 'modules/base64', source: 'local' });
  });

  it('reads a remote page by path, and falls back to the local page on 404', async () => {
    expect(await run(remotePool, { path: 'lua/core/funcs' })).toEqual({ path: 'lua/core/funcs', content: '# Funcs\n\nremote page body', source: 'remote' });
    const local = await run(remotePool, { path: 'modules/env' });
    expect(local).toMatchObject({ path: 'modules/env', source: 'local', remote_error: 'HTTP 404' });
  });

  it('falls back to the local docs when the endpoint cannot be reached', async () => {
    const r = await run(downPool, { query: 'generate a uuid' });
    expect(r.remote_error).toEqual(expect.any(String));
    expect(r.results[0]).toMatchObject({ path: 'modules/uuid', source: 'local' });
    const page = await run(downPool, { path: 'time' });
    expect(page).toMatchObject({ path: 'modules/time', source: 'local' });
  });

  it('is asked by `micro-agi tools run` when MICRO_AGI_DOCS_REMOTE names it (the CLI passes it to the pool)', async () => {
    seen.length = 0;
    const home = mkdtempSync(join(tmpdir(), 'micro-agi-docs-remote-'));
    try {
      const env = { ...process.env, MICRO_AGI_HOME: '', MICRO_AGI_DOCS_REMOTE: `http://127.0.0.1:${port}/llm`, MICRO_AGI_NET_ALLOW: `127.0.0.1:${port}` };
      const out = await new Promise<string>((resolve, reject) => {
        const bin = join(packageRoot(), 'bin', 'micro-agi.js');
        execFile(process.execPath, [bin, 'tools', 'run', 'app.tools:doc_search', '--input', '{"query":"uuid"}', '--home', home], { env }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      expect(seen.map((x) => x.url)).toEqual(['/llm/search?q=uuid']);
      expect(JSON.parse(out).results[0]).toEqual({ path: 'lua/core/time', title: 'Time', snippet: 'remote hit for uuid', source: 'remote' });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
