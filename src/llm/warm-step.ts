// A dry streamed step, once per thread: the provider, the openai SDK and the stream accumulator run once
// against the dry transport's canned SSE reply (loopback, in this thread), so a thread's first real prompts do not pay for loading and compiling them.
import { logger } from '../log/logger.js';
import { dryFetch } from './dry-transport.js';
import { warmHttpStack } from './node-http-fetch.js';
import { OpenAICompatibleProvider } from './provider.js';

const log = logger('llm.warm');

export interface WarmStepOptions {
  /** Dry steps to run (default 2: the second runs the already-compiled code once more). */
  readonly steps?: number;
}

/** One dry step; true when the canned reply came back as an answer (a test checks it still does). */
export async function runDryStep(): Promise<boolean> {
  const provider = new OpenAICompatibleProvider({ config: { apiKey: 'warm', baseURL: 'http://warm.invalid/v1' }, fetch: dryFetch, retry: { maxAttempts: 1 } });
  const outcome = await provider.generate({
    modelName: 'warm',
    providerModel: 'warm',
    messages: [
      { role: 'system', content: 'warm' },
      { role: 'user', content: 'warm' },
    ],
    options: { tools: [{ name: 'warm', description: 'warm', schema: { type: 'object', properties: {} } }], maxTokens: 16 },
  });
  if (!outcome.ok) log.debug({ error: outcome.error }, 'dry LLM step failed');
  return outcome.ok && outcome.response.result === 'ok';
}

let warming: Promise<void> | undefined;

/**
 * Run the dry steps once per thread (later calls share the first). Why: profiles of a batch's first wave showed
 * each host thread spending tens of ms on first-time work (Node's bundled undici, the SDK's client and request
 * code, SSE decoding) inside the prompts of that wave. Never rejects: a failure only means a colder first prompt.
 */
export function warmLlmStep(options: WarmStepOptions = {}): Promise<void> {
  warming ??= (async () => {
    warmHttpStack();
    for (let i = 0; i < (options.steps ?? 2); i++) await runDryStep();
  })().catch((err: unknown) => log.debug({ err }, 'dry LLM step failed'));
  return warming;
}
