import { useState, type FormEvent, type KeyboardEvent } from 'react';
import type { DeliveryMode } from '../../../../shared/src/doc/schema.js';
import { MAX_CHAT_MESSAGE_CHARS } from '../../../../shared/src/limits.js';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/use-action.js';

type SteerMode = Extract<DeliveryMode, 'steer' | 'queue' | 'interrupt'>;

const STEER_MODES: Array<{ mode: SteerMode; label: string; hint: string }> = [
  { mode: 'steer', label: 'Steer', hint: 'Delivered at the agent’s next tool boundary' },
  { mode: 'queue', label: 'Queue', hint: 'Runs after the agent finishes this turn' },
  { mode: 'interrupt', label: 'Interrupt', hint: 'Stops the agent now and continues with your message' },
];

/**
 * Writes to the session: with the agent idle a message asks it (or, as a note, goes to people only);
 * while it works, a message steers, queues or interrupts.
 */
export function Composer({ sessionId, agentConfigured, agentActive }: { sessionId: string; agentConfigured: boolean; agentActive: boolean }) {
  const [text, setText] = useState('');
  const [mode, setMode] = useState<SteerMode>('steer');
  const { busy: sending, error, run } = useAction('Message not sent; try again.');
  const primary: DeliveryMode = !agentConfigured ? 'chat' : agentActive ? mode : 'prompt';

  async function send(delivery: DeliveryMode, event?: FormEvent) {
    event?.preventDefault();
    const message = text.trim();
    if (!message || sending) return;
    if (await run(() => api.postMessage(sessionId, message, delivery))) setText('');
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void send(primary);
    }
  }

  const placeholder = !agentConfigured
    ? 'Message everyone in this session…'
    : agentActive
      ? `${STEER_MODES.find((item) => item.mode === mode)?.hint ?? ''}…`
      : 'Ask the agent to do something…';
  const empty = text.trim().length === 0;

  return (
    <form className="composer" onSubmit={(event) => void send(primary, event)} data-testid="composer">
      {agentConfigured && agentActive && (
        <div className="mode-switch" role="radiogroup" aria-label="How to deliver your message">
          {STEER_MODES.map((item) => (
            <button
              key={item.mode}
              type="button"
              role="radio"
              aria-checked={mode === item.mode}
              className={`mode ${mode === item.mode ? 'active' : ''} mode-${item.mode}`}
              title={item.hint}
              onClick={() => setMode(item.mode)}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
      <textarea
        value={text}
        maxLength={MAX_CHAT_MESSAGE_CHARS}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        placeholder={`${placeholder}  (Enter to send, Shift+Enter for a new line)`}
        aria-label="Message"
        rows={2}
      />
      <div className="composer-row">
        {error ? <span className="error-text">{error}</span> : <span className="muted small">{agentConfigured && !agentActive ? 'Everyone here sees the run and can steer it.' : ''}</span>}
        <div className="composer-actions">
          {agentConfigured && (
            <button type="button" className="button small" disabled={sending || empty} onClick={() => void send('chat')} title="Post to people only; the agent does not read it">
              Note to people
            </button>
          )}
          <button className={`button small ${primary === 'interrupt' ? 'danger' : 'primary'}`} disabled={sending || empty}>
            {primary === 'chat' ? 'Send' : primary === 'prompt' ? 'Ask agent' : STEER_MODES.find((item) => item.mode === primary)?.label}
          </button>
        </div>
      </div>
    </form>
  );
}
