import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import type { ErrorResponse } from '@tandem/shared/protocol/http.js';

/** An error with a status and a message written for the person who sent the request. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function errorResponse(c: Context, status: ContentfulStatusCode, code: ErrorCode, message: string) {
  const body: ErrorResponse = { error: { code, message } };
  return c.json(body, status);
}

export const notFound = (what: string) => new HttpError(404, ErrorCode.NotFound, `${what} not found`);
export const forbidden = (message: string) => new HttpError(403, ErrorCode.Forbidden, message);
