import { useEffect, useRef, useState } from 'react';
import type { WebsocketProvider } from 'y-websocket';
import type { SessionMeta } from '@tandem/shared/doc/schema.js';
import { DEFAULT_TERMINAL_ID } from '@tandem/shared/protocol/terminal.js';
import { api } from '../../lib/api.js';
import { errorMessage } from '../../lib/use-action.js';
import type { Participant } from '../presence/use-presence.js';
import { SandboxFailed } from './sandbox-failed.js';
import { SandboxUnavailable } from './sandbox-unavailable.js';
import { StartupWaterfall } from './startup-waterfall.js';
import { ServiceBar, ServiceDot } from './service-bar.js';
import { SnapshotNotices } from './snapshot-origin.js';
import { TerminalView, type TerminalStatus } from './terminal-view.js';

/** Typing presence stays on this long after the last keystroke. */
const TYPING_IDLE_MS = 1500;

/** The session's shared terminals: tabs, the live view, the start-up waterfall and who is typing. */
export function TerminalPanelBody({
  sessionId,
  token,
  meta,
  canEdit,
  isOwner,
  provider,
  participants,
}: {
  sessionId: string;
  token: string;
  meta: SessionMeta;
  canEdit: boolean;
  isOwner: boolean;
  provider: WebsocketProvider;
  participants: Participant[];
}) {
  const terminals = meta.terminals.length > 0 ? meta.terminals : [DEFAULT_TERMINAL_ID];
  const [selected, setSelected] = useState(DEFAULT_TERMINAL_ID);
  const [status, setStatus] = useState<TerminalStatus>({ kind: 'connecting' });
  const [error, setError] = useState<string | null>(null);
  const typingTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // Each declared service's log is a read-only tab after the shells.
  const services = meta.services;
  const activeService = services.find((service) => service.terminalId === selected);
  const active = terminals.includes(selected) || activeService ? selected : terminals[0]!;

  useEffect(
    () => () => {
      if (typingTimer.current) clearTimeout(typingTimer.current);
    },
    [],
  );
  const markTyping = () => {
    if (!provider.awareness.getLocalState()?.typing) provider.awareness.setLocalStateField('typing', true);
    if (typingTimer.current) clearTimeout(typingTimer.current);
    typingTimer.current = setTimeout(() => provider.awareness.setLocalStateField('typing', false), TYPING_IDLE_MS);
  };

  async function addTerminal() {
    setError(null);
    try {
      const { terminalId } = await api.openTerminal(sessionId);
      setSelected(terminalId);
    } catch (caught) {
      setError(errorMessage(caught, 'Could not open a terminal'));
    }
  }

  if (meta.sandboxState === 'unavailable') return <SandboxUnavailable meta={meta} />;
  if (meta.sandboxState === 'failed' && !meta.endedAt) return <SandboxFailed sessionId={sessionId} meta={meta} canEdit={canEdit} isOwner={isOwner} />;
  if (meta.endedAt) {
    return (
      <div className="sandbox-state" data-testid="sandbox-ended">
        <strong>The sandbox is stopped</strong>
        <p className="muted">
          This session has ended{meta.endSnapshot ? ' and its workspace was saved' : ''}. Resume it in a new session to get a terminal again.
        </p>
      </div>
    );
  }
  if (meta.sandboxState !== 'ready') {
    return (
      <div className="sandbox-state" data-testid="sandbox-booting">
        <span className="spinner" aria-hidden />
        <strong>Starting the sandbox…</strong>
        <p className="muted">{meta.sandboxMessage || 'Waiting for the server'}</p>
        <StartupWaterfall meta={meta} />
      </div>
    );
  }

  const typers = participants.filter((participant) => participant.typing && participant.focus === 'terminal' && !participant.isSelf);
  return (
    <div className="terminal-panel">
      <div className="terminal-tabs" role="tablist">
        {terminals.map((terminalId) => (
          <button key={terminalId} role="tab" aria-selected={terminalId === active} className={terminalId === active ? 'tab active' : 'tab'} onClick={() => setSelected(terminalId)}>
            {terminalId.replace('t', 'shell ')}
          </button>
        ))}
        {services.map((service) => (
          <button
            key={service.terminalId}
            role="tab"
            aria-selected={service.terminalId === active}
            className={service.terminalId === active ? 'tab service-tab active' : 'tab service-tab'}
            onClick={() => setSelected(service.terminalId)}
            title={`${service.name}: ${service.state} (its log, read-only)`}
            data-testid={`service-tab-${service.name}`}
          >
            <ServiceDot state={service.state} />
            {service.name}
          </button>
        ))}
        {canEdit && (
          <button className="tab add" onClick={() => void addTerminal()} title="Open another terminal" aria-label="Open another terminal">
            +
          </button>
        )}
        <span className="terminal-status" data-testid="terminal-status" data-state={status.kind}>
          {typers.length > 0 ? (
            <span className="typing" data-testid="typing">
              {typers.map((participant) => participant.user.name).join(', ')} typing…
            </span>
          ) : status.kind === 'live' && !status.canType ? (
            activeService ? 'log, read-only' : 'view only'
          ) : status.kind === 'closed' || status.kind === 'reconnecting' ? (
            status.message
          ) : null}
        </span>
      </div>
      {error && <p className="error-text">{error}</p>}
      <SnapshotNotices sessionId={sessionId} meta={meta} canEdit={canEdit} />
      {activeService && <ServiceBar sessionId={sessionId} service={activeService} canEdit={canEdit} />}
      <TerminalView key={active} sessionId={sessionId} terminalId={active} token={token} onTyping={markTyping} onStatus={setStatus} />
      <StartupWaterfall meta={meta} />
    </div>
  );
}
