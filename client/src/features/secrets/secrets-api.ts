import type { PutSecretBody, SecretListResponse, SecretScope } from '../../../../shared/src/protocol/secrets.js';
import { ApiError } from '../../lib/api.js';
import { getIdentity } from '../../lib/identity.js';
import type { ErrorResponse } from '../../../../shared/src/protocol/http.js';

const route = (sessionId: string, name?: string) => `/api/sessions/${encodeURIComponent(sessionId)}/secrets${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = getIdentity()?.token;
  const response = await fetch(path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => null);
  if (!response) throw new ApiError(0, 'network', 'The server did not answer. Check that it is running, then try again.');
  const json: unknown = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = (json as ErrorResponse | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'unknown', error?.message ?? `Request failed (${response.status})`);
  }
  return json as T;
}

/** The session's secrets: names and scopes to read, values only ever sent, never read back. */
export const secretsApi = {
  list: (sessionId: string) => send<SecretListResponse>('GET', route(sessionId)),
  put: (sessionId: string, name: string, body: PutSecretBody) => send<null>('PUT', route(sessionId, name), body),
  remove: (sessionId: string, name: string, scope: SecretScope) => send<null>('DELETE', `${route(sessionId, name)}?scope=${scope}`),
};
