// The conversation builder: the only conversation state (system, developer, user, assistant,
// function_call, function_result). Plain messages in, plain messages out, so an agent can be rebuilt freely.
import { AppError } from '../errors/app-error.js';
import {
  ConversationSchema,
  type ConversationMessage,
  type TextRole,
} from '../../schemas/llm-messages.js';

const MERGEABLE: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant']);

/** The programmer bug of handing a request builder something that is not a conversation message. */
export function notAConversationRole(index: number, message: unknown): TypeError {
  const role = (message as { role?: unknown } | null)?.role;
  return new TypeError(
    `message ${index} has role ${JSON.stringify(role)}, not a conversation role (system, developer, user, assistant, function_call, function_result)`,
  );
}

/**
 * Ordered messages with Wippy's builder rules: consecutive text messages of the same role merge
 * (joined by a blank line); empty system/developer text is ignored; calls and results never merge.
 */
export class Conversation {
  #messages: ConversationMessage[] = [];

  /** A conversation from stored plain messages (validated; throws AppError USAGE naming the bad index). */
  static from(messages: readonly unknown[]): Conversation {
    const parsed = ConversationSchema.safeParse(messages);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AppError('USAGE', `invalid conversation message at [${issue.path.join('.')}]: ${issue.message}`);
    }
    const c = new Conversation();
    c.#messages = parsed.data.map((m) => ({ ...m }));
    return c;
  }

  addSystem(text: string): this {
    return text ? this.#addText('system', text) : this;
  }

  addDeveloper(text: string): this {
    return text ? this.#addText('developer', text) : this;
  }

  addUser(text: string): this {
    return this.#addText('user', text);
  }

  addAssistant(text: string): this {
    return this.#addText('assistant', text);
  }

  /** The model's tool call; `args` as the model's JSON text, or an object to encode. */
  addFunctionCall(name: string, args: string | Readonly<Record<string, unknown>>, id: string): this {
    if (!name || !id) throw new AppError('USAGE', 'addFunctionCall needs a tool name and the call id from the response');
    this.#messages.push({ role: 'function_call', id, name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });
    return this;
  }

  /** A tool's result for call `id`; objects are JSON-encoded (tool failures are `{error: ...}` objects). */
  addFunctionResult(name: string, content: unknown, id: string): this {
    if (!name || !id) throw new AppError('USAGE', 'addFunctionResult needs the tool name and the call id it answers');
    const text = typeof content === 'string' ? content : JSON.stringify(content ?? null);
    this.#messages.push({ role: 'function_result', id, name, content: text });
    return this;
  }

  #addText(role: TextRole, text: string): this {
    const last = this.#messages[this.#messages.length - 1];
    if (last && last.role === role && MERGEABLE.has(role) && 'content' in last) {
      this.#messages[this.#messages.length - 1] = { ...last, content: last.content ? `${last.content}\n\n${text}` : text };
    } else {
      this.#messages.push({ role, content: text } as ConversationMessage);
    }
    return this;
  }

  /** A copy of the messages (plain data, safe to send across threads or store). */
  messages(): ConversationMessage[] {
    return this.#messages.map((m) => ({ ...m }));
  }

  get length(): number {
    return this.#messages.length;
  }

  clone(): Conversation {
    return Conversation.from(this.#messages);
  }

  clear(): this {
    this.#messages = [];
    return this;
  }

  /** The whole conversation as labelled text (what compression summarises). */
  toText(): string {
    return this.#messages
      .map((m) => {
        switch (m.role) {
          case 'function_call':
            return `[tool call ${m.name}] ${m.arguments}`;
          case 'function_result':
            return `[tool result ${m.name}] ${m.content}`;
          default:
            return `${m.role}: ${m.content}`;
        }
      })
      .join('\n\n');
  }

  toJSON(): ConversationMessage[] {
    return this.messages();
  }
}
