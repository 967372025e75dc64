// Sends AgentEvents to the terminal: every event but the streamed text is checked against the protocol schema
// before it leaves the agent process, so a malformed event is a bug caught here rather than in the terminal.
import { AGENT_EVENT_TOPIC, AgentEventGuard, type AgentEvent } from '../../schemas/messages/agent.js';
import type { ProcessContext } from '../host/process-context.js';
import type { Pid } from '../host/pid.js';
import { logger } from '../log/logger.js';

export type EmitEvent = (event: AgentEvent) => void;

const log = logger('agent.events');

export function eventSender(ctx: Pick<ProcessContext, 'send'>, terminal: Pid): EmitEvent {
  return (event) => {
    // chunk and thinking events (many per step, built from a string the stream accumulator produced) are
    // checked once, by the terminal that receives them; every other event here as well.
    const checked = event.type === 'chunk' || event.type === 'thinking' ? event : AgentEventGuard.parse(event);
    if (!ctx.send(terminal, AGENT_EVENT_TOPIC, checked)) log.warn({ terminal, type: event.type }, 'the terminal is gone; event dropped');
  };
}
