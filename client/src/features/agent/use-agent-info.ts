import { useEffect, useState } from 'react';
import type { AgentInfo } from '@tandem/shared/protocol/http.js';
import { api } from '../../lib/api.js';

/** What this server's agent can do (configured or not, which model); fetched once per page. */
export function useAgentInfo(): AgentInfo | null {
  const [info, setInfo] = useState<AgentInfo | null>(null);
  useEffect(() => {
    let cancelled = false;
    api.serverInfo().then(
      (response) => !cancelled && setInfo(response.agent),
      () => !cancelled && setInfo(null),
    );
    return () => {
      cancelled = true;
    };
  }, []);
  return info;
}

export const AGENT_ACTIVE_STATES = new Set(['running', 'retrying', 'stopping']);
