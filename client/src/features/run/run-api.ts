import type { BlueprintListResponse, RunNodeAction, RunResponse } from '../../../../shared/src/protocol/runs.js';
import type { ErrorResponse } from '../../../../shared/src/protocol/http.js';
import { ApiError } from '../../lib/api.js';
import { getIdentity } from '../../lib/identity.js';

async function call<T>(method: string, route: string, body?: unknown): Promise<T> {
  const token = getIdentity()?.token;
  const response = await fetch(`/api${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => null);
  if (!response) throw new ApiError(0, 'network', 'The server did not answer. Check that it is running, then try again.');
  if (!response.ok) {
    const error = ((await response.json().catch(() => null)) as ErrorResponse | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'unknown', error?.message ?? `Request failed (${response.status})`);
  }
  return (await response.json()) as T;
}

/** Blueprint runs: start one on a goal, act on a step, stop the run. */
export const runApi = {
  blueprints: (sessionId: string) => call<BlueprintListResponse>('GET', `/sessions/${sessionId}/blueprints`),
  start: (sessionId: string, blueprint: string, goal: string) => call<RunResponse>('POST', `/sessions/${sessionId}/runs`, { blueprint, goal }),
  act: (sessionId: string, nodeId: string, action: RunNodeAction) => call<RunResponse>('POST', `/sessions/${sessionId}/runs/current/nodes/${encodeURIComponent(nodeId)}/${action}`),
  stop: (sessionId: string) => call<RunResponse>('POST', `/sessions/${sessionId}/runs/current/stop`),
};
