// Scripted model behaviour shared by the end-to-end tests: the seed's "what time is it?" session as fake
// OpenAI replies, and helpers that read what the agent sent (the last tool result, the system message).
import { reply, type RecordedRequest, type ReplySource } from '../support/fake-openai.js';

/** The Lua tool the model writes in the seed session. */
export const TIME_TOOL_SOURCE = [
  'local time = require("time")',
  'local function handler(input)',
  '  return { utc = time.now():utc():format(time.RFC3339) }',
  'end',
  'return { handler = handler }',
].join('\n');

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_call_id?: string;
}

/** Text of a chat message's content (string or content parts). */
export function messageText(m: ChatMessage | undefined): string {
  if (!m) return '';
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content)) return m.content.map((p: { text?: string }) => p.text ?? '').join('');
  return '';
}

/** The content of the last tool message the agent sent (the result of the previous step's call). */
export function lastToolMessage(req: RecordedRequest): string {
  const messages = (req.body?.messages ?? []) as ChatMessage[];
  const tool = [...messages].reverse().find((m) => m.role === 'tool');
  if (!tool) throw new Error(`request #${req.index + 1} carries no tool message`);
  return messageText(tool);
}

/** Answer from the time the tool returned in the request: "The time is <utc> UTC." */
export function answerFromTimeTool(req: RecordedRequest): ReturnType<typeof reply.text> {
  const result = JSON.parse(lastToolMessage(req)) as { utc?: string };
  return reply.text(result.utc ? `The time is ${result.utc} UTC.` : `The tool failed: ${lastToolMessage(req)}`);
}

/** doc_search -> create_tool(current_time_utc) -> load_tool -> current_time_utc -> an answer built from its result. */
export function timeSessionScript(): ReplySource[] {
  return [
    reply.toolCalls([{ id: 'call_1', name: 'doc_search', args: { query: 'format current time' } }]),
    reply.toolCalls([
      {
        id: 'call_2',
        name: 'create_tool',
        args: {
          name: 'current_time_utc',
          description: 'Current UTC time in RFC3339',
          source: TIME_TOOL_SOURCE,
          modules: ['time'],
        },
      },
    ]),
    reply.toolCalls([{ id: 'call_3', name: 'load_tool', args: { id: 'app.generated:current_time_utc' } }]),
    reply.toolCalls([{ id: 'call_4', name: 'current_time_utc', args: {} }]),
    answerFromTimeTool,
  ];
}
