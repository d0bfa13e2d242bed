import type { ErrorHandler } from 'hono';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import { DomainError } from '../domain/errors.js';
import { SessionEndedError } from '../workspace/session-runtime.js';
import { domainErrorResponse } from './domain-error-status.js';
import { errorResponse, HttpError } from './http-error.js';

export interface ErrorHandlerLogger {
  error(message: string, error?: unknown): void;
}

/**
 * The app's one `onError`: a domain error becomes its status and code (domain-error-status.ts), an
 * HttpError (what is HTTP by nature: sign-in, body limits) says its own, and anything else is a
 * logged 500 that tells the person nothing of the server's insides.
 */
export function createErrorHandler(logger: ErrorHandlerLogger): ErrorHandler {
  return (error, c) => {
    if (error instanceof DomainError) {
      const { status, code, message } = domainErrorResponse(error);
      return errorResponse(c, status, code, message);
    }
    if (error instanceof HttpError) return errorResponse(c, error.status, error.code, error.message);
    if (error instanceof SessionEndedError) return errorResponse(c, 409, ErrorCode.BadRequest, error.message);
    logger.error(`unhandled error on ${c.req.method} ${c.req.path}`, error);
    return errorResponse(c, 500, ErrorCode.Internal, 'Something went wrong on the server; try again, and check the server log');
  };
}
