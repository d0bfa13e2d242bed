import type { AllowHostResponse, EnvironmentApprovalResponse } from '../../../../shared/src/protocol/network.js';
import type { ErrorResponse } from '../../../../shared/src/protocol/http.js';
import { ApiError } from '../../lib/api.js';
import { getIdentity } from '../../lib/identity.js';

async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = getIdentity()?.token;
  const response = await fetch(path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => null);
  if (!response) throw new ApiError(0, 'network', 'The server did not answer. Check that it is running, then try again.');
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (json as ErrorResponse | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'unknown', error?.message ?? `Request failed (${response.status})`);
  }
  return json as T;
}

const base = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}`;

/** The session's network: open a host for the session, read and approve the repo's environment file. */
export const networkApi = {
  allow: (sessionId: string, host: string) => send<AllowHostResponse>('POST', `${base(sessionId)}/network/allow`, { host }),
  approval: (sessionId: string) => send<EnvironmentApprovalResponse>('GET', `${base(sessionId)}/environment/approval`),
  approve: (sessionId: string, hash: string) => send<EnvironmentApprovalResponse>('POST', `${base(sessionId)}/environment/approval`, { hash }),
};
