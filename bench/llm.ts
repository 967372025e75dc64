// LLM layer overhead per step against an instant fake server: µs to build a request, µs per stream
// chunk accumulated, and a whole streamed step through our provider vs the bare SDK loop over loopback.
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { percentile, sampleMicros, type BenchRow } from './types.js';
import { buildChatRequest } from '../src/llm/chat-request.js';
import { Conversation } from '../src/llm/conversation.js';
import { createLlm } from '../src/llm/llm.js';
import { nodeHttpFetch } from '../src/llm/node-http-fetch.js';
import { ChatStreamAccumulator } from '../src/llm/stream-accumulator.js';
import { startFakeOpenAI, reply, type Reply } from '../test/support/fake-openai.js';
import type { Entry } from '../schemas/entry.js';

const TOOLS = Array.from({ length: 6 }, (_, i) => ({
  name: `tool_${i}`,
  description: `Tool number ${i} does something useful with its input.`,
  schema: { type: 'object', properties: { q: { type: 'string' }, n: { type: 'number' } }, required: ['q'] },
}));

function conversation(turns: number): Conversation {
  const c = new Conversation().addSystem('You are a terse assistant. '.repeat(20));
  for (let i = 0; i < turns; i++) {
    c.addUser(`Question ${i}: what is ${i} squared? `.repeat(5));
    c.addAssistant('Let me compute.');
    c.addFunctionCall('tool_1', { q: `square ${i}`, n: i }, `call_${i}`);
    c.addFunctionResult('tool_1', { value: i * i }, `call_${i}`);
    c.addAssistant(`It is ${i * i}.`);
  }
  return c;
}

function chunks(n: number): ChatCompletionChunk[] {
  const out: ChatCompletionChunk[] = [];
  const base = { id: 'c', object: 'chat.completion.chunk' as const, created: 0, model: 'm' };
  for (let i = 0; i < n; i++) {
    const delta =
      i % 4 === 3
        ? { tool_calls: [{ index: Math.floor(i / 40), ...(i % 40 === 3 ? { id: `call_${i}`, type: 'function' as const, function: { name: 'tool_1', arguments: '' } } : { function: { arguments: '{"q":' } }) }] }
        : { content: 'word ' };
    out.push({ ...base, choices: [{ index: 0, delta, finish_reason: null }] });
  }
  return out;
}

const MODEL: Entry = {
  id: 'bench:model',
  kind: 'registry.entry',
  meta: { name: 'bench-model', type: 'llm.model' },
  data: { pricing: { input: 1, output: 2 }, providers: [{ id: 'app:openai', provider_model: 'bench' }] },
};

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];

  // 1. Request building: a 20-turn conversation (101 messages) with 6 tools.
  const conv = conversation(20);
  const msgs = conv.messages();
  for (let i = 0; i < 200; i++) buildChatRequest('m', msgs, { tools: TOOLS });
  const build = await sampleMicros(2000, () => buildChatRequest('m', msgs, { tools: TOOLS, maxTokens: 1000 }));
  const buildP50 = percentile(build, 50);
  rows.push({ area: 'llm', name: 'chat request built (101 messages, 6 tools), p50', value: round(buildP50), unit: 'µs', target: '<= 100 µs', met: buildP50 <= 100 });

  // 2. Chunk accumulation (our per-chunk work; the SDK's JSON.parse is measured in row 3).
  const sample = chunks(400);
  const perChunk: number[] = [];
  for (let r = 0; r < 300; r++) {
    const acc = new ChatStreamAccumulator(() => {});
    const t0 = process.hrtime.bigint();
    for (const c of sample) acc.push(c);
    acc.finish();
    perChunk.push(Number(process.hrtime.bigint() - t0) / 1000 / sample.length);
  }
  const chunkP50 = percentile(perChunk.slice(50), 50);
  rows.push({ area: 'llm', name: 'stream chunk accumulated (text + tool fragments), p50', value: round(chunkP50, 3), unit: 'µs/chunk', target: '<= 2 µs', met: chunkP50 <= 2 });

  // 3. A whole streamed step over loopback: our generate vs a bare SDK for-await over the same stream.
  const STEP_CHUNKS = 200;
  const stepReply: Reply = reply.text('x'.repeat(STEP_CHUNKS), { chunkSize: 1, usage: { prompt: 100, completion: STEP_CHUNKS } });
  const fake = await startFakeOpenAI({ fallback: stepReply });
  try {
    const llm = createLlm({ models: [MODEL], provider: { apiKey: 'bench', baseURL: fake.url } });
    // The bare SDK gets our transport too (src/llm/node-http-fetch.ts): the row measures the layer, not the fetch.
    const sdk = new OpenAI({ apiKey: 'bench', baseURL: fake.url, maxRetries: 0, fetch: nodeHttpFetch });
    const small = conversation(2).messages();
    const ours = async () => {
      const out = await llm.generate(small, { model: 'bench-model', onEvent: () => {} });
      if (!out.ok) throw new Error(out.error.message);
    };
    const bare = async () => {
      const s = await sdk.chat.completions.create({ model: 'bench', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } });
      for await (const c of s) void c;
    };
    for (let i = 0; i < 30; i++) {
      await ours();
      await bare();
    }
    // Interleaved pairs; the overhead is the median of per-pair differences (robust to machine noise).
    const a: number[] = [];
    const b: number[] = [];
    const diff: number[] = [];
    for (let i = 0; i < 300; i++) {
      const [x] = await sampleMicros(1, ours);
      const [y] = await sampleMicros(1, bare);
      a.push(x!);
      b.push(y!);
      diff.push(x! - y!);
    }
    const oursP50 = percentile(a, 50);
    const bareP50 = percentile(b, 50);
    const overhead = percentile(diff, 50);
    rows.push({
      area: 'llm',
      name: `streamed step, ${STEP_CHUNKS} chunks over loopback (generate), p50`,
      value: round(oursP50 / 1000, 2),
      unit: 'ms',
      reference: { name: 'bare SDK stream loop, same reply', value: round(bareP50 / 1000, 2), unit: 'ms' },
    });
    rows.push({
      area: 'llm',
      name: 'layer overhead per step (generate − bare SDK), median of paired runs',
      value: round(overhead),
      unit: 'µs',
      target: '<= 1000 µs',
      met: overhead <= 1000,
      note: `${round(overhead / STEP_CHUNKS, 2)} µs per chunk`,
    });
  } finally {
    await fake.close();
  }
  return rows;
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
