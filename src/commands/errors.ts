/** Every way a member's request can be refused; the adapter shows the message privately. */
export type UserErrorCode =
  | 'unknown_command'
  | 'invalid_options'
  | 'not_moderator'
  | 'no_round'
  | 'round_exists'
  | 'unknown_round'
  | 'unknown_poll'
  | 'poll_closed'
  | 'unknown_option'
  | 'unknown_proposal'
  | 'unknown_comment'
  | 'unknown_member'
  | 'ambiguous_member'
  | 'rewards_published'
  | 'no_wallet'
  | 'no_tokens'
  | 'wallet_taken'
  | 'invalid_config'
  | 'wrong_phase'
  | 'self_feedback'
  | 'no_web'
  | 'no_chain'
  | 'link_refused'
  | 'chain_read'
  | 'not_juror';

/** A member's mistake: a value that becomes a clear reply. Bugs are thrown as plain errors and logged. */
export class UserError extends Error {
  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
