import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createErrorHandler } from './error-handler.js';
import { jsonBody } from './json-body.js';

const schema = z.object({ title: z.string().min(1), repo: z.string().optional() });

async function post(body: string | undefined, contentType: string | undefined = 'application/json') {
  const app = new Hono().post('/', ...jsonBody(schema), (c) => c.json({ got: c.req.valid('json') }));
  app.onError(createErrorHandler({ error: () => {} }));
  const response = await app.request('/', { method: 'POST', body, headers: contentType ? { 'content-type': contentType } : {} });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('jsonBody: zValidator with the API error body', () => {
  it('hands the handler the parsed body', async () => {
    expect(await post(JSON.stringify({ title: 'Fix it' }))).toEqual({ status: 200, body: { got: { title: 'Fix it' } } });
  });

  it('a schema mismatch is a 400 bad_request naming each path', async () => {
    expect(await post(JSON.stringify({ title: '', repo: 3 }))).toMatchObject({
      status: 400,
      body: { error: { code: 'bad_request', message: expect.stringMatching(/^title: .+; repo: .+$/) } },
    });
  });

  it('malformed JSON is a 400 invalid_json', async () => {
    expect(await post('{"title": ')).toEqual({ status: 400, body: { error: { code: 'invalid_json', message: 'Request body is not valid JSON' } } });
  });

  it('an empty body is read as {} (then judged by the schema), as parseJsonBody did', async () => {
    expect(await post(undefined)).toMatchObject({ status: 400, body: { error: { code: 'bad_request', message: expect.stringMatching(/^title: /) } } });
  });

  it('a JSON body sent with another Content-Type (curl -d) is still read, as parseJsonBody did', async () => {
    expect(await post(JSON.stringify({ title: 'Fix it' }), 'application/x-www-form-urlencoded')).toEqual({ status: 200, body: { got: { title: 'Fix it' } } });
    expect(await post(JSON.stringify({ title: 'Fix it' }), undefined)).toEqual({ status: 200, body: { got: { title: 'Fix it' } } });
  });
});
