import type { Actor, CommandContext, Services } from '../commands/context.ts';
import { actionFor, dispatch, type Command, type Invocation, type Logger } from '../commands/framework.ts';
import type { Reply, Subject } from '../commands/reply.ts';
import { ensureMember } from '../db/repositories.ts';
import type { Community } from '../db/schema.ts';
import { choiceCommand, firstDelivery, storeChoice } from '../db/chat.ts';
import { parseCommandLine } from '../commands/parse.ts';

/** What an adapter offers a command beyond the services: posting in the community, saying what is not working. */
export interface ChatHooks {
  announce(reply: Reply): Promise<void>;
  chatProblems(): Promise<string[]>;
}

/**
 * The part every chat platform shares: builds the command context for a community and an actor, runs the command,
 * and remembers which events were handled. Adapters translate their platform's events to calls of this.
 */
export class ChatRuntime {
  constructor(
    readonly services: Services,
    readonly commands: readonly Command[],
    readonly logger: Logger,
    private readonly options: { adoptHandle?: boolean } = {},
  ) {}

  context(community: Community, actor: Actor, hooks: ChatHooks): CommandContext {
    let member: ReturnType<CommandContext['member']> | undefined;
    return {
      ...this.services,
      community,
      actor,
      member: () => (member ??= ensureMember(this.services.db, community.id, actor, { adoptHandle: this.options.adoptHandle ?? false, now: this.services.now() })),
      announce: (reply) => hooks.announce(reply),
      chatProblems: () => hooks.chatProblems(),
    };
  }

  run(community: Community, actor: Actor, invocation: Invocation, hooks: ChatHooks): Promise<Reply> {
    return dispatch(this.commands, this.context(community, actor, hooks), invocation, this.logger);
  }

  /**
   * Applies what a member's emoji on a comment's message now add up to: feedback kinds gained are added, kinds lost
   * taken back. A reaction is a silent gesture, so the replies (a refusal for one's own comment) are not shown.
   */
  async react(community: Community, actor: Actor, comment: Subject, change: { added: readonly string[]; removed: readonly string[] }, hooks: ChatHooks): Promise<void> {
    const base = { comment: comment.key, round: comment.round };
    for (const kind of change.added) await this.run(community, actor, { name: 'react', options: { ...base, kind } }, hooks);
    for (const kind of change.removed) await this.run(community, actor, { name: 'react', options: { ...base, kind, remove: true } }, hooks);
  }

  /** Stores the command lines buttons (or forms) run; returns their short ids, which fit in a button's data. */
  async storeChoices(community: Community, commandLines: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const line of commandLines) ids.push(await storeChoice(this.services.db, community.id, line, this.services.now()));
    return ids;
  }

  /** The invocation behind a button's id; undefined when the id is unknown here. */
  async storedInvocation(community: Community, id: string): Promise<Invocation | undefined> {
    const line = await choiceCommand(this.services.db, community.id, id);
    const parsed = line ? parseCommandLine(line) : undefined;
    return parsed?.ok ? parsed.invocation : undefined;
  }

  /** True the first time an event id is seen on a platform; a redelivery is then ignored. */
  firstDelivery(platform: string, eventId: string): Promise<boolean> {
    return firstDelivery(this.services.db, platform, eventId, this.services.now());
  }
}

/**
 * Fills options a command leaves out from the message it answers: `/rate stars:4` in reply to a proposal's message
 * rates that proposal, `/retract` in reply to a comment withdraws it.
 */
export function withSubject(commands: readonly Command[], invocation: Invocation, subject: Subject | undefined): Invocation {
  if (!subject) return invocation;
  const action = actionFor(commands, invocation);
  if (!action) return invocation;
  const shape = action.options.shape;
  const options = { ...invocation.options };
  if (subject.kind in shape && options[subject.kind] === undefined) options[subject.kind] = subject.key;
  if ('round' in shape && options['round'] === undefined) options['round'] = subject.round;
  return { ...invocation, options };
}
