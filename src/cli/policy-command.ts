// `micro-agi policy check --scope GROUP ACTION RESOURCE`: evaluates a named scope built from the
// registry's security.policy entries and prints allow, deny or undefined (exit 0 for each).
import { AppError } from '../errors/app-error.js';
import { AGENT_ACTOR, newActor } from '../security/actors.js';
import { namedScope } from '../security/named-scope.js';
import { boolFlag, stringFlag, type ParsedArgs } from './argv.js';
import type { CommandIO } from './command-spec.js';
import { withSession } from './with-session.js';

export async function policyCheck(args: ParsedArgs, io: CommandIO): Promise<number> {
  const group = stringFlag(args, 'scope');
  if (group === undefined) throw new AppError('USAGE', 'policy check needs --scope GROUP, e.g. --scope app:agent_security');
  const [action, resource] = args.positionals as [string, string];
  const actorId = stringFlag(args, 'actor');
  const actor = actorId === undefined ? AGENT_ACTOR : newActor(actorId);
  return withSession(args, io, (session) => {
    const snap = session.registry.current();
    const scope = namedScope(snap, group);
    const decision = scope.evaluate(actor, action, resource) ?? 'undefined';
    if (boolFlag(args, 'json')) {
      io.out(JSON.stringify({ scope: group, actor: actor.id, action, resource, decision, version: snap.version }) + '\n');
    } else {
      io.out(decision + '\n');
    }
    return 0;
  });
}
