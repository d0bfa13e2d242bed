import type { PutSecretBody, SecretListResponse, SecretScope } from '@tandem/shared/protocol/secrets.js';
import { call } from '../../lib/api.js';

const route = (sessionId: string, name?: string) => `/sessions/${encodeURIComponent(sessionId)}/secrets${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

/** The session's secrets: names and scopes to read, values only ever sent, never read back. */
export const secretsApi = {
  list: (sessionId: string) => call<SecretListResponse>('GET', route(sessionId)),
  put: (sessionId: string, name: string, body: PutSecretBody) => call<null>('PUT', route(sessionId, name), body),
  remove: (sessionId: string, name: string, scope: SecretScope) => call<null>('DELETE', `${route(sessionId, name)}?scope=${scope}`),
};
