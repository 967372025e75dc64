// Whether an LLM provider is configured for the agent, and the help text printed when it is not
// (OpenAI, Ollama, llama.cpp server). Commands that need no model never look at this.
import { providerConfigFromEnv } from '../llm/provider-config.js';

/** True when neither OPENAI_API_KEY nor OPENAI_BASE_URL is set: the agent has no model to talk to. */
export function needsProviderSetup(env: Readonly<Record<string, string | undefined>>): boolean {
  const config = providerConfigFromEnv(env);
  return config.apiKey === undefined && config.baseURL === undefined;
}

/** How to point micro-agi at a model; printed on stderr with exit status 2. */
export function providerSetupHelp(prog = 'micro-agi'): string {
  return (
    `${prog}: the agent needs a language model: set OPENAI_API_KEY or OPENAI_BASE_URL.\n\n` +
    'OpenAI:\n' +
    '  export OPENAI_API_KEY=sk-...\n\n' +
    'Ollama (local; any key works):\n' +
    '  export OPENAI_BASE_URL=http://127.0.0.1:11434/v1\n' +
    '  export OPENAI_API_KEY=ollama\n' +
    `  ${prog} --model llama3.1\n\n` +
    'llama.cpp server (local; any key works):\n' +
    '  export OPENAI_BASE_URL=http://127.0.0.1:8080/v1\n' +
    '  export OPENAI_API_KEY=none\n\n' +
    `Commands that need no model (registry, policy, tools) work without this; see '${prog} --help'.\n`
  );
}
