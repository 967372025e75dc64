// A conversation saved after each turn of the interactive agent or `-p` (<home>/sessions/*.json), which
// `--continue` resumes: its messages, the tools it had loaded, and what it ran with.
import { z } from 'zod';
import { ConversationSchema } from './llm-messages.js';

export const SAVED_SESSION_VERSION = 1;

export const SavedSessionSchema = z.object({
  version: z.literal(SAVED_SESSION_VERSION),
  /** The agent entry that held the conversation. */
  agent: z.string().min(1),
  /** The model that answered last. */
  model: z.string().min(1),
  /** ISO time of the last save. */
  updated: z.string().min(1),
  messages: ConversationSchema,
  /** Entry ids loaded with load_tool, in load order. */
  loaded: z.array(z.string().min(1)),
});
export type SavedSession = z.infer<typeof SavedSessionSchema>;

/** What the agent process gets to resume (AgentArgs.resume): the saved messages and loaded tools. */
export const ResumeSchema = z.object({ messages: ConversationSchema, loaded: z.array(z.string().min(1)) });
export type Resume = z.infer<typeof ResumeSchema>;
