/** POST /api/sessions/:sessionId/services/:name/restart answers 202 with this; the new state arrives in the doc. */
export interface RestartServiceResponse {
  ok: true;
}

export function restartServicePath(sessionId: string, serviceName: string): string {
  return `/sessions/${encodeURIComponent(sessionId)}/services/${encodeURIComponent(serviceName)}/restart`;
}
