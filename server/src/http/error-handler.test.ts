import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@tandem/shared/protocol/errors.js';
import { BadInputError, ConflictError, DeniedError, FailedError, NotFoundError, RateLimitedError, refusalError, UnavailableError } from '../domain/errors.js';
import { createErrorHandler } from './error-handler.js';
import { HttpError } from './http-error.js';

/** A one-route app that throws `error`, answered by the app's error handler. */
async function answerTo(error: unknown) {
  const logger = { error: vi.fn() };
  const app = new Hono().get('/', () => {
    throw error;
  });
  app.onError(createErrorHandler(logger));
  const response = await app.request('/');
  return { status: response.status, body: (await response.json()) as unknown, logger };
}

describe('createErrorHandler: domain errors become statuses at the edge', () => {
  it.each([
    ['bad input', new BadInputError('No blueprint named "x"'), 400, ErrorCode.BadRequest],
    ['denied', new DeniedError('Viewers cannot stop a run'), 403, ErrorCode.Forbidden],
    ['not found', NotFoundError.of('Session'), 404, ErrorCode.NotFound],
    ['conflict', new ConflictError('This session has ended'), 409, ErrorCode.BadRequest],
    ['rate limited', new RateLimitedError('Too many messages'), 429, ErrorCode.RateLimited],
    ['failed', new FailedError('The update failed in the sandbox'), 500, ErrorCode.Internal],
    ['unavailable', new UnavailableError('This server runs without sandboxes'), 503, ErrorCode.Internal],
  ])('%s is answered with its status, code and message, in the { error: { code, message } } body', async (_name, error, status, code) => {
    const answer = await answerTo(error);
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error: { code, message: error.message } });
    expect(answer.logger.error).not.toHaveBeenCalled();
  });

  it('an error that names its own code keeps it (an unavailable agent, a server without sandboxes)', async () => {
    const answer = await answerTo(new UnavailableError('The agent is off on this server', ErrorCode.AgentUnavailable));
    expect(answer).toMatchObject({ status: 503, body: { error: { code: ErrorCode.AgentUnavailable, message: 'The agent is off on this server' } } });
  });

  it("NotFoundError.of says what was not found, as notFound('Session') did", async () => {
    expect((await answerTo(NotFoundError.of('Session'))).body).toEqual({ error: { code: ErrorCode.NotFound, message: 'Session not found' } });
  });

  it("a decision's refusal reason becomes the matching error", async () => {
    expect((await answerTo(refusalError('denied', 'Only the session owner can change its repo'))).status).toBe(403);
    expect((await answerTo(refusalError('conflict', 'The sandbox is running on this repo'))).status).toBe(409);
  });

  it('an HttpError (what is HTTP by nature) still says its own status and code', async () => {
    const answer = await answerTo(new HttpError(401, ErrorCode.Unauthenticated, 'Sign in first'));
    expect(answer).toMatchObject({ status: 401, body: { error: { code: ErrorCode.Unauthenticated, message: 'Sign in first' } } });
  });

  it('anything else is a logged 500 that shows nothing of the server', async () => {
    const answer = await answerTo(new Error('connection string postgres://secret@db'));
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ error: { code: ErrorCode.Internal, message: 'Something went wrong on the server; try again, and check the server log' } });
    expect(answer.logger.error).toHaveBeenCalledOnce();
  });
});
