import { restartServicePath, type RestartServiceResponse } from '@tandem/shared/protocol/services.js';
import type {
  AuthOptionsResponse,
  ChangeSessionResponse,
  ChangesResponse,
  CurrentIdentityResponse,
  NewShareLinkResponse,
  CreateSessionBody,
  EndSessionResponse,
  ErrorResponse,
  IdentityResponse,
  JoinPreviewResponse,
  JoinResponse,
  OpenTerminalResponse,
  PostMessageResponse,
  SandboxStartResponse,
  UpdateWorkspaceBody,
  UpdateWorkspaceResponse,
  ServerInfoResponse,
  StopAgentResponse,
  SessionListResponse,
  SessionResponse,
  ShareLinkListResponse,
  ShareLinkResponse,
} from '@tandem/shared/protocol/http.js';
import type { ShareRole } from '@tandem/shared/roles.js';
import type { DeliveryMode } from '@tandem/shared/doc/schema.js';
import { forgetIdentity, getIdentity } from './identity.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A plain-text resource of the API (e.g. a tool call's whole output). */
async function fetchText(route: string): Promise<string> {
  const token = getIdentity()?.token;
  const response = await fetch(`/api${route}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).catch(() => null);
  if (!response) throw new ApiError(0, 'network', 'The server did not answer. Check that it is running, then try again.');
  if (!response.ok) {
    const error = ((await response.json().catch(() => null)) as ErrorResponse | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'unknown', error?.message ?? `Request failed (${response.status})`);
  }
  return response.text();
}

/** One JSON call to the API (`route` below /api): the person's token, errors as ApiError, a rotated identity forgotten. */
export async function call<T>(method: string, route: string, body?: unknown): Promise<T> {
  const token = getIdentity()?.token;
  let response: Response;
  try {
    response = await fetch(`/api${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server did not answer. Check that it is running, then try again.');
  }
  const json: unknown = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = (json as ErrorResponse | null)?.error;
    // The kept identity no longer counts here (its key was rotated, or this server now requires
    // sign-in): forget it, so the page asks for a name or a sign-in again instead of failing on.
    if (response.status === 401 && token && getIdentity()?.token === token) forgetIdentity();
    throw new ApiError(response.status, error?.code ?? 'unknown', error?.message ?? `Request failed (${response.status})`);
  }
  return json as T;
}

export const api = {
  createIdentity: (name: string) => call<IdentityResponse>('POST', '/identity', { name }),
  authOptions: () => call<AuthOptionsResponse>('GET', '/auth'),
  redeemInvite: (code: string, name: string) => call<IdentityResponse>('POST', '/auth/invite', { code, name }),
  /** Who a token (just handed back by GitHub sign-in, not yet kept) belongs to. */
  identityOf: async (token: string): Promise<CurrentIdentityResponse> => {
    const response = await fetch('/api/identity', { headers: { authorization: `Bearer ${token}` } }).catch(() => null);
    if (!response?.ok) throw new ApiError(response?.status ?? 0, 'unauthenticated', 'The sign-in did not go through; sign in again.');
    return (await response.json()) as CurrentIdentityResponse;
  },
  listSessions: () => call<SessionListResponse>('GET', '/sessions'),
  createSession: (body: CreateSessionBody) => call<SessionResponse>('POST', '/sessions', body),
  getSession: (sessionId: string) => call<SessionResponse>('GET', `/sessions/${encodeURIComponent(sessionId)}`),
  /** The owner points a session whose sandbox is not running at another repo; the server starts it there. */
  changeRepo: (sessionId: string, repo: string) => call<ChangeSessionResponse>('PATCH', `/sessions/${encodeURIComponent(sessionId)}`, { repo }),
  /** An editor brings the running workspace up to the repo's newer commit (the one the page shows). */
  updateWorkspace: (sessionId: string, commit: string) => call<UpdateWorkspaceResponse>('POST', `/sessions/${encodeURIComponent(sessionId)}/workspace/update`, { commit } satisfies UpdateWorkspaceBody),
  retrySandbox: (sessionId: string) => call<SandboxStartResponse>('POST', `/sessions/${encodeURIComponent(sessionId)}/sandbox/retry`),
  serverInfo: () => call<ServerInfoResponse>('GET', '/info'),
  postMessage: (sessionId: string, text: string, delivery: DeliveryMode = 'chat') =>
    call<PostMessageResponse>('POST', `/sessions/${encodeURIComponent(sessionId)}/messages`, { text, delivery }),
  stopAgent: (sessionId: string) => call<StopAgentResponse>('POST', `/sessions/${encodeURIComponent(sessionId)}/agent/stop`),
  cancelQueued: (sessionId: string, messageId: string) =>
    call<null>('DELETE', `/sessions/${encodeURIComponent(sessionId)}/queue/${encodeURIComponent(messageId)}`),
  listLinks: (sessionId: string) => call<ShareLinkListResponse>('GET', `/sessions/${encodeURIComponent(sessionId)}/links`),
  createLink: (sessionId: string, role: ShareRole) =>
    call<NewShareLinkResponse>('POST', `/sessions/${encodeURIComponent(sessionId)}/links`, { role }),
  revokeLink: (sessionId: string, linkId: string) =>
    call<ShareLinkResponse>('DELETE', `/sessions/${encodeURIComponent(sessionId)}/links/${encodeURIComponent(linkId)}`),
  join: (token: string) => call<JoinResponse>('POST', '/join', { token }),
  previewJoin: (token: string) => call<JoinPreviewResponse>('POST', '/join/preview', { token }),
  toolOutput: (sessionId: string, toolUseId: string) =>
    fetchText(`/sessions/${encodeURIComponent(sessionId)}/tool-calls/${encodeURIComponent(toolUseId)}/output`),
  endSession: (sessionId: string) => call<EndSessionResponse>('POST', `/sessions/${encodeURIComponent(sessionId)}/end`),
  openFile: (sessionId: string, path: string) => call<{ path: string }>('POST', `/sessions/${encodeURIComponent(sessionId)}/files/open`, { path }),
  listChanges: (sessionId: string) => call<ChangesResponse>('GET', `/sessions/${encodeURIComponent(sessionId)}/changes`),
  openTerminal: (sessionId: string) => call<OpenTerminalResponse>('POST', `/sessions/${encodeURIComponent(sessionId)}/terminals`),
  /** An editor starts a declared service again; its state comes back through the doc. */
  restartService: (sessionId: string, serviceName: string) => call<RestartServiceResponse>('POST', restartServicePath(sessionId, serviceName)),
};
