import { useState, type FormEvent, type KeyboardEvent } from 'react';
import type { DeliveryMode } from '@tandem/shared/doc/schema.js';
import { MAX_CHAT_MESSAGE_CHARS } from '@tandem/shared/limits.js';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/use-action.js';
import { runApi } from '../run/run-api.js';
import { BlueprintPicker, PLAIN_RUN } from '../run/blueprint-picker.js';
import { agentDelivery, decideComposerKey, type SteerMode } from './composer-keys.js';

const STEER_MODES: Array<{ mode: SteerMode; label: string; hint: string }> = [
  { mode: 'steer', label: 'Steer', hint: 'Delivered at the agent’s next tool boundary' },
  { mode: 'queue', label: 'Queue', hint: 'Runs after the agent finishes this turn' },
  { mode: 'interrupt', label: 'Interrupt', hint: 'Stops the agent now and continues with your message' },
];

const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.userAgent);
/** How the agent shortcut reads on this machine. */
const AGENT_KEYS = IS_MAC ? '⌘ Enter' : 'Ctrl Enter';

/**
 * Writes to the session. Two plain intents: **Send to people** (Enter) never reaches the agent;
 * **Ask agent** (Ctrl/⌘+Enter) starts a run, or while one runs steers, queues or interrupts it.
 */
export function Composer({ sessionId, agentConfigured, agentActive }: { sessionId: string; agentConfigured: boolean; agentActive: boolean }) {
  const [text, setText] = useState('');
  const [mode, setMode] = useState<SteerMode>('steer');
  /** The blueprint a new run follows; the plain agent run unless a person picks one. */
  const [blueprint, setBlueprint] = useState(PLAIN_RUN);
  const { busy: sending, error, run } = useAction('Message not sent; try again.');
  const state = { agentConfigured, agentActive, steerMode: mode };
  const toAgent = agentDelivery(state);
  const agentLabel = toAgent === 'prompt' ? 'Ask agent' : STEER_MODES.find((item) => item.mode === toAgent)!.label;

  async function send(delivery: DeliveryMode, event?: FormEvent) {
    event?.preventDefault();
    const message = text.trim();
    if (!message || sending) return;
    const startsBlueprint = delivery === 'prompt' && blueprint !== PLAIN_RUN;
    if (await run(() => (startsBlueprint ? runApi.start(sessionId, blueprint, message) : api.postMessage(sessionId, message, delivery)))) setText('');
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    const delivery = decideComposerKey({ ...event, isComposing: event.nativeEvent.isComposing }, state);
    if (delivery === null) return;
    event.preventDefault();
    void send(delivery);
  }

  const placeholder = agentConfigured ? 'Write to the people here, or ask the agent…' : 'Message everyone in this session…';
  const keyHint = agentConfigured
    ? `Enter sends to people · ${AGENT_KEYS.replace(' ', '+')} ${agentActive ? `${agentLabel.toLowerCase()}s the agent` : 'asks the agent (starts a run)'} · Shift+Enter new line`
    : 'Enter sends · Shift+Enter new line';
  const empty = text.trim().length === 0;

  return (
    <form className="composer" onSubmit={(event) => void send('chat', event)} data-testid="composer">
      {agentConfigured && agentActive && (
        <div className="mode-switch" role="radiogroup" aria-label="How to deliver your message to the agent">
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
        placeholder={placeholder}
        aria-label="Message"
        aria-describedby="composer-keys"
        rows={2}
      />
      <div className="composer-row">
        {error ? (
          <span className="error-text">{error}</span>
        ) : (
          <span className="muted small composer-keys" id="composer-keys" data-testid="composer-keys">
            {keyHint}
          </span>
        )}
        <div className="composer-actions">
          {agentConfigured && !agentActive && <BlueprintPicker sessionId={sessionId} value={blueprint} onChange={setBlueprint} />}
          <button
            type="submit"
            className={`button small ${agentConfigured ? '' : 'primary'}`}
            disabled={sending || empty}
            aria-keyshortcuts="Enter"
            title="Post to the people in this session; the agent does not read it"
          >
            {agentConfigured ? 'Send to people' : 'Send'} <kbd aria-hidden>Enter</kbd>
          </button>
          {agentConfigured && (
            <button
              type="button"
              className={`button small ${toAgent === 'interrupt' ? 'danger' : 'primary'}`}
              disabled={sending || empty}
              onClick={() => void send(toAgent)}
              aria-keyshortcuts="Control+Enter Meta+Enter"
              title={toAgent === 'prompt' ? 'Starts an agent run, which uses the model (and costs tokens)' : STEER_MODES.find((item) => item.mode === toAgent)?.hint}
            >
              {agentLabel} <kbd aria-hidden>{AGENT_KEYS}</kbd>
            </button>
          )}
        </div>
      </div>
    </form>
  );
}
