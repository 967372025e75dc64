// The comparison point for the agent turn: the OpenAI Agents JS SDK (@openai/agents) running the seed's
// five-step "what time is it?" loop with plain-JS tools (doc lookup, create, load, the time tool) on a fake.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Agent, OpenAIProvider, Runner, tool, type FunctionTool } from '@openai/agents';
import { createRequire } from 'node:module';
import { nodeHttpFetch } from '../src/llm/node-http-fetch.js';
import { packageRoot } from '../src/paths.js';
import { reply, type FakeOpenAI, type RecordedRequest, type ReplySource } from '../test/support/fake-openai.js';

/** The JS body the model "writes" for the SDK's create_tool (the counterpart of the seed's Lua time tool). */
export const SDK_TIME_TOOL_SOURCE = 'return { utc: new Date().toISOString().replace(/\\.\\d+Z$/, "Z") };';

interface DocPage {
  readonly path: string;
  readonly title: string;
  readonly text: string;
  readonly lower: string;
}

/** The same reference pages our doc_search serves, read once into memory. */
function loadDocs(): DocPage[] {
  const root = join(packageRoot(), 'docs');
  const out: DocPage[] = [];
  const walk = (dir: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.name.endsWith('.md')) {
        const text = readFileSync(p, 'utf8');
        out.push({ path: relative(root, p).replace(/\.md$/, ''), title: /^#\s+(.+)$/m.exec(text)?.[1] ?? d.name, text, lower: text.toLowerCase() });
      }
    }
  };
  walk(root);
  return out;
}

/** Plain-JS doc lookup: pages scored by query-word occurrences, top 5 with a 300-char snippet. */
function searchDocs(docs: readonly DocPage[], query: string): { path: string; title: string; snippet: string }[] {
  const words = query.toLowerCase().split(/\W+/).filter((w) => w.length > 2);
  return docs
    .map((d) => {
      let score = 0;
      let first = -1;
      for (const w of words) {
        for (let i = d.lower.indexOf(w); i >= 0; i = d.lower.indexOf(w, i + w.length)) {
          score++;
          if (first < 0 || i < first) first = i;
        }
      }
      return { d, score, first };
    })
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, 5)
    .map(({ d, first }) => ({ path: d.path, title: d.title, snippet: d.text.slice(Math.max(0, first - 100), Math.max(0, first - 100) + 300) }));
}

const NAME = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * An Agent with doc_search, create_tool, load_tool; create_tool compiles and stores a function, load_tool
 * adds it to the agent's tools (the SDK reads agent.tools at each step, so it is offered on the next one).
 */
function buildAgent(docs: readonly DocPage[]): Agent {
  const created = new Map<string, { description: string; fn: (input: unknown) => unknown }>();
  const agent: Agent = new Agent({
    name: 'dev assistant',
    instructions: 'You are a terse assistant. When you lack a capability, create a tool, load it and call it.',
    model: 'bench-model',
    tools: [
      tool({
        name: 'doc_search',
        description: 'Search the reference docs by query.',
        parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'], additionalProperties: false },
        strict: true,
        execute: (input) => ({ results: searchDocs(docs, String((input as { query: string }).query)) }),
      }),
      tool({
        name: 'create_tool',
        description: 'Create a JavaScript tool: its name, description and function body (receives `input`).',
        parameters: {
          type: 'object',
          properties: { name: { type: 'string' }, description: { type: 'string' }, source: { type: 'string' } },
          required: ['name', 'description', 'source'],
          additionalProperties: false,
        },
        strict: true,
        execute: (raw) => {
          const input = raw as { name: string; description: string; source: string };
          if (!NAME.test(input.name)) return { error: `name "${input.name}" is invalid` };
          let fn: (input: unknown) => unknown;
          try {
            fn = new Function('input', input.source) as (input: unknown) => unknown;
          } catch (err) {
            return { error: `compile error: ${(err as Error).message}` };
          }
          const existed = created.has(input.name);
          created.set(input.name, { description: input.description, fn });
          return { created: !existed, id: `generated:${input.name}`, alias: input.name };
        },
      }),
      tool({
        name: 'load_tool',
        description: 'Load a created tool by id so it can be called from the next step.',
        parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false },
        strict: true,
        execute: (raw) => {
          const id = String((raw as { id: string }).id);
          const name = id.replace(/^.*:/, '');
          const found = created.get(name);
          if (!found) return { error: `not found: ${id}` };
          if (!agent.tools.some((t) => t.name === name)) {
            agent.tools.push(
              tool({
                name,
                description: found.description,
                parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
                strict: true,
                execute: (input) => found.fn(input),
              }) as FunctionTool,
            );
          }
          return { loaded: true, id, alias: name, description: found.description };
        },
      }),
    ],
  });
  return agent;
}

/** The text of the last tool message in a chat request. */
function lastToolContent(req: RecordedRequest): string {
  const messages = (req.body?.messages ?? []) as { role: string; content?: unknown }[];
  const m = [...messages].reverse().find((x) => x.role === 'tool');
  if (!m) return '';
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content)) return m.content.map((p: { text?: string }) => p.text ?? '').join('');
  return '';
}

/** The five replies of the SDK's turn; `name` is the tool's fresh name. */
export function sdkTurnScript(name: string): ReplySource[] {
  return [
    reply.toolCalls([{ id: 'call_1', name: 'doc_search', args: { query: 'format current time' } }]),
    reply.toolCalls([{ id: 'call_2', name: 'create_tool', args: { name, description: 'Current UTC time in RFC3339', source: SDK_TIME_TOOL_SOURCE } }]),
    reply.toolCalls([{ id: 'call_3', name: 'load_tool', args: { id: `generated:${name}` } }]),
    reply.toolCalls([{ id: 'call_4', name, args: {} }]),
    (req) => {
      const utc = /"utc":"([^"]+)"/.exec(lastToolContent(req))?.[1];
      return reply.text(utc ? `The time is ${utc} UTC.` : `The tool failed: ${lastToolContent(req)}`);
    },
  ];
}

export interface SdkTurnRunner {
  /** Run one turn (streamed, as our agent streams) and return its final answer. */
  turn(prompt: string): Promise<string>;
}

type OpenAIClientOption = NonNullable<ConstructorParameters<typeof OpenAIProvider>[0]>['openAIClient'];
/** The `openai` version the Agents SDK itself depends on (its own copy), constructed with our fetch. */
const AgentsOpenAI = createRequire(import.meta.resolve('@openai/agents-openai'))('openai').OpenAI as new (options: {
  apiKey: string;
  baseURL: string;
  fetch: typeof nodeHttpFetch;
}) => unknown;

/** An Agents SDK runner against `fake` (Chat Completions, tracing disabled). One Agent per runner. */
export function createSdkTurnRunner(fake: FakeOpenAI): SdkTurnRunner {
  const docs = loadDocs();
  const agent = buildAgent(docs);
  const runner = new Runner({
    // The same HTTP transport as ours (src/llm/node-http-fetch.ts), so the comparison is the loop, not the fetch.
    modelProvider: new OpenAIProvider({
      openAIClient: new AgentsOpenAI({ apiKey: 'bench', baseURL: fake.url, fetch: nodeHttpFetch }) as OpenAIClientOption,
      useResponses: false,
    }),
    tracingDisabled: true,
    traceIncludeSensitiveData: false,
  });
  return {
    async turn(prompt) {
      const result = await runner.run(agent, prompt, { stream: true, maxTurns: 10 });
      for await (const ev of result) void ev;
      await result.completed;
      if (result.error) throw result.error;
      return String(result.finalOutput ?? '');
    },
  };
}
