// The arguments the supervisor hands the agent process at spawn (checked against their schema in the worker), and the
// defaults the runtime fills in. Plain data only: they cross into the agent's worker thread.
import { z } from 'zod';
import { messageGuard } from '../../schemas/message-guard.js';
import { PidSchema } from '../../schemas/messages/process.js';
import { ResumeSchema } from '../../schemas/saved-session.js';

export const DEFAULT_AGENT_ID = 'app:dev_assistant';
export const DEFAULT_MAX_STEPS = 16;

export const AgentArgsSchema = z.object({
  /** The agent.gen1 entry to run. */
  agentId: z.string().min(1),
  /** Home directory (the registry database lives there). */
  home: z.string().min(1),
  /** The app definition directory (version 0 of the registry). */
  appDir: z.string().min(1),
  /** The supervisor's tool service process. */
  toolService: PidSchema,
  /** Where AgentEvents go. */
  terminal: PidSchema,
  /** Model name or class overriding the agent entry's model. */
  model: z.string().min(1).optional(),
  maxSteps: z.number().int().positive(),
  /** The provider variables (OPENAI_*, and those named by llm.provider entries); never the whole environment. */
  env: z.record(z.string(), z.string()),
  /** Prompt-token share of the model's context window that triggers compression (default 0.75). */
  compressAt: z.number().gt(0).lte(1).optional(),
  /** Target size of the compressed conversation in characters (default 4000). */
  compressChars: z.number().int().positive().optional(),
  /** Characters of one tool result the model gets; a longer result is cut with a note (default 40000). */
  maxResultChars: z.number().int().positive().optional(),
  /**
   * Emit chunk and thinking events while the model streams (default true). A terminal that shows only final
   * answers (batch) turns them off: the answer event still carries the whole text.
   */
  streamChunks: z.boolean().optional(),
  /**
   * A dry agent: its model answers every step "ok" through dryFetch (a loopback server of its own thread);
   * nothing is sent to the model. A batch runs one dry prompt per host thread before its first wave, so no
   * real prompt pays for code running for the first time on that thread (session, step loop, SDK, HTTP).
   */
  dry: z.boolean().optional(),
  /** Save the conversation here after every turn and reset (saved-sessions.ts); absent: nothing is saved. */
  sessionFile: z.string().min(1).optional(),
  /** A saved conversation to go on from (`--continue`): its messages and the tools it had loaded. */
  resume: ResumeSchema.optional(),
});
export type AgentArgs = z.infer<typeof AgentArgsSchema>;
/** AgentArgsSchema's compiled check (every agent process checks its arguments at start). */
export const AgentArgsGuard = messageGuard(AgentArgsSchema);

/**
 * The hint a prestarted agent worker gets before its start (agent-process.ts prepare): the registry its
 * arguments will name, to open while the terminal still loads.
 */
export const AgentPrepareSchema = z.object({ home: z.string().min(1), appDir: z.string().min(1) });
export type AgentPrepare = z.infer<typeof AgentPrepareSchema>;
