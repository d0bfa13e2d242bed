import type { AllowHostResponse, EnvironmentApprovalResponse } from '@tandem/shared/protocol/network.js';
import { call } from '../../lib/api.js';

const base = (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}`;

/** The session's network: open a host for the session, read and approve the repo's environment file. */
export const networkApi = {
  allow: (sessionId: string, host: string) => call<AllowHostResponse>('POST', `${base(sessionId)}/network/allow`, { host }),
  approval: (sessionId: string) => call<EnvironmentApprovalResponse>('GET', `${base(sessionId)}/environment/approval`),
  approve: (sessionId: string, hash: string) => call<EnvironmentApprovalResponse>('POST', `${base(sessionId)}/environment/approval`, { hash }),
};
