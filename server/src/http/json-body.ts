import { zValidator } from '@hono/zod-validator';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { z } from 'zod';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import { errorResponse, HttpError } from './http-error.js';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Zod's issues as one sentence: `path: message; …`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

/**
 * Reads the body as text first, as parseJsonBody did: malformed JSON is a 400 `invalid_json` in the
 * API's error shape and an empty body counts as `{}` (a body-less POST from the client), before
 * zValidator parses it from the request's cache.
 */
const readJsonText = createMiddleware(async (c, next) => {
  const text = await c.req.text();
  if (text.length === 0) (c.req.bodyCache as Record<string, Promise<unknown>>).text = Promise.resolve('{}');
  else {
    try {
      JSON.parse(text);
    } catch {
      throw new HttpError(400, ErrorCode.InvalidJson, 'Request body is not valid JSON');
    }
  }
  // The API has always read the body as JSON whatever its Content-Type said (curl -d sends a form
  // type); hono's validator reads only a JSON type, so the request says what the body is.
  if (!JSON_MEDIA_TYPE.test(c.req.header('content-type')?.split(';')[0]?.trim() ?? '')) c.req.raw.headers.set('content-type', 'application/json');
  await next();
});

/**
 * The JSON body of a route, validated with `schema` (`c.req.valid('json')` in the handler); a
 * mismatch is a 400 `bad_request` that says what is wrong, in the `{ error: { code, message } }` body.
 */
export function jsonBody<Schema extends z.ZodType>(schema: Schema) {
  return [
    readJsonText,
    zValidator('json', schema, (result, c: Context) => {
      if (!result.success) return errorResponse(c, 400, ErrorCode.BadRequest, describeIssues(result.error.issues));
    }),
  ] as const;
}
