import type { Context } from 'hono';
import type { z } from 'zod';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import { HttpError } from './http-error.js';

/** Reads and validates a JSON body; malformed JSON or a schema mismatch is a 400 that says what is wrong. */
export async function parseJsonBody<Schema extends z.ZodType>(c: Context, schema: Schema): Promise<z.infer<Schema>> {
  const text = await c.req.text();
  let value: unknown;
  try {
    value = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(400, ErrorCode.InvalidJson, 'Request body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
      .join('; ');
    throw new HttpError(400, ErrorCode.BadRequest, message);
  }
  return parsed.data;
}
