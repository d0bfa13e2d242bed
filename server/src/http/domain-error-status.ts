import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import type { DomainError, DomainErrorKind } from '../domain/errors.js';

/** Each kind of domain error as a status, and the wire code it says unless the error names its own. */
export const STATUS_BY_DOMAIN_ERROR = {
  'bad-input': { status: 400, code: ErrorCode.BadRequest },
  denied: { status: 403, code: ErrorCode.Forbidden },
  'not-found': { status: 404, code: ErrorCode.NotFound },
  conflict: { status: 409, code: ErrorCode.BadRequest },
  'rate-limited': { status: 429, code: ErrorCode.RateLimited },
  failed: { status: 500, code: ErrorCode.Internal },
  unavailable: { status: 503, code: ErrorCode.Internal },
} as const satisfies Record<DomainErrorKind, { status: ContentfulStatusCode; code: ErrorCode }>;

/** The status and body fields one domain error is answered with. */
export function domainErrorResponse(error: DomainError): { status: ContentfulStatusCode; code: ErrorCode; message: string } {
  const mapped = STATUS_BY_DOMAIN_ERROR[error.kind];
  return { status: mapped.status, code: error.code ?? mapped.code, message: error.message };
}
