import type { ErrorCode } from '@tandem/shared/protocol/errors.js';

/**
 * What went wrong, in the domain's words: services throw these, and the one `app.onError`
 * (http/domain-error-status.ts) turns each kind into a status. Nothing here knows HTTP. The message
 * is written for the person who asked; `code` is the wire's error code where the kind's default
 * does not fit (a conflict says `bad_request` today, an unavailable agent `agent_unavailable`).
 */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  constructor(
    message: string,
    readonly code?: ErrorCode,
  ) {
    super(message);
  }
}

export type DomainErrorKind = 'not-found' | 'denied' | 'conflict' | 'rate-limited' | 'unavailable' | 'bad-input' | 'failed';

/** No such thing (or none this person may know of). */
export class NotFoundError extends DomainError {
  readonly kind = 'not-found';
  /** `what` names the thing: "Session" says "Session not found". */
  static of(what: string): NotFoundError {
    return new NotFoundError(`${what} not found`);
  }
}

/** The person's role does not allow it. */
export class DeniedError extends DomainError {
  readonly kind = 'denied';
}

/** Not now: the state of the thing (ended, running, changed since read) refuses it. */
export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

/** Too many, too fast: try again in a moment. */
export class RateLimitedError extends DomainError {
  readonly kind = 'rate-limited';
}

/** This server cannot do it (no sandboxes, no agent). */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable';
}

/** What was asked for is malformed or names something that cannot be (a bad repo, an unknown blueprint). */
export class BadInputError extends DomainError {
  readonly kind = 'bad-input';
}

/** The work was tried and failed; the message says how, and nothing was changed. */
export class FailedError extends DomainError {
  readonly kind = 'failed';
}

/** Why a pure decision refused, in the domain's words; the executor throws the matching error. */
export type RefusalReason = 'denied' | 'conflict';

export function refusalError(reason: RefusalReason, message: string): DomainError {
  switch (reason) {
    case 'denied':
      return new DeniedError(message);
    case 'conflict':
      return new ConflictError(message);
    default:
      return reason satisfies never;
  }
}
