import type { AgentState } from '@tandem/shared/doc/schema.js';
import type { AgentInfo } from '@tandem/shared/protocol/http.js';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/use-action.js';
import { StateChip } from '../../ui/state-chip.js';
import { AGENT_ACTIVE_STATES } from './use-agent-info.js';

function compactNumber(value: number): string {
  return value >= 10_000 ? `${Math.round(value / 1000)}k` : value >= 1000 ? `${(value / 1000).toFixed(1)}k` : String(value);
}

/** The agent's state, budget and spend for everyone; editors can stop a run from here. */
export function AgentBar({ agent, info, sessionId, canEdit }: { agent: AgentState | undefined; info: AgentInfo | null; sessionId: string; canEdit: boolean }) {
  const { error, run } = useAction('Could not stop the agent; try again.');
  if (info && !info.configured) {
    return (
      <div className="agent-bar agent-off" role="note" data-testid="agent-bar" data-state="off">
        <span className="agent-dot" aria-hidden />
        <div>
          <strong>The agent is off on this server</strong>
          <p className="muted">
            Set <code>ANTHROPIC_API_KEY</code> (and optionally <code>ANTHROPIC_BASE_URL</code>, <code>TANDEM_MODEL</code>) in the server’s environment and
            restart it. Terminal, plan and chat work without it.
          </p>
        </div>
      </div>
    );
  }
  const state = agent?.state ?? 'idle';
  const active = AGENT_ACTIVE_STATES.has(state);
  const model = agent?.model || info?.model || '';

  const stop = () => run(() => api.stopAgent(sessionId));

  return (
    <div className={`agent-bar agent-${state}`} data-testid="agent-bar" data-state={state}>
      <span className={`agent-dot${active ? ' pulsing' : ''}`} aria-hidden />
      <div className="agent-bar-main">
        <div className="agent-bar-line">
          <strong>Claude</strong>
          <StateChip state={state} />
          {model && <code className="agent-model">{model}</code>}
        </div>
        {agent && agent.turns > 0 ? (
          <div className="agent-stats muted" data-testid="agent-stats">
            <span title="Turns used of this run’s budget">
              turn {agent.turns}/{agent.maxTurns}
            </span>
            <span title="Input and output tokens so far">
              {compactNumber(agent.inputTokens)} in · {compactNumber(agent.outputTokens)}/{compactNumber(agent.maxOutputTokens)} out
            </span>
            <span title="Estimated from list prices">≈ ${agent.costUsd.toFixed(agent.costUsd < 1 ? 3 : 2)}</span>
          </div>
        ) : (
          <div className="agent-stats muted">Ask the agent below; everyone here sees it work and can steer it.</div>
        )}
        {agent?.message && !active && <div className={`agent-message ${state === 'failed' ? 'error-text' : 'muted'}`}>{agent.message}</div>}
        {error && <div className="error-text">{error}</div>}
      </div>
      {canEdit && active && (
        <button className="button small danger" onClick={() => void stop()} disabled={state === 'stopping'}>
          Stop
        </button>
      )}
    </div>
  );
}
