import type { BlueprintListResponse, EditRunNodeBody, RunNodeAction, RunResponse } from '@tandem/shared/protocol/runs.js';
import { call } from '../../lib/api.js';

/** Blueprint runs: start one on a goal, act on a step, stop the run. */
export const runApi = {
  blueprints: (sessionId: string) => call<BlueprintListResponse>('GET', `/sessions/${sessionId}/blueprints`),
  start: (sessionId: string, blueprint: string, goal: string) => call<RunResponse>('POST', `/sessions/${sessionId}/runs`, { blueprint, goal }),
  act: (sessionId: string, nodeId: string, action: RunNodeAction) => call<RunResponse>('POST', `/sessions/${sessionId}/runs/current/nodes/${encodeURIComponent(nodeId)}/${action}`),
  /** New parameters for a step that has not run yet. */
  editNode: (sessionId: string, nodeId: string, edit: EditRunNodeBody) => call<RunResponse>('PATCH', `/sessions/${sessionId}/runs/current/nodes/${encodeURIComponent(nodeId)}`, edit),
  stop: (sessionId: string) => call<RunResponse>('POST', `/sessions/${sessionId}/runs/current/stop`),
};
