import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type * as Y from 'yjs';
import { readTranscript } from '../../../../shared/src/doc/accessors.js';
import { colorForUserId } from '../../../../shared/src/protocol/presence.js';
import { MAX_CHAT_MESSAGE_CHARS } from '../../../../shared/src/limits.js';
import { api, ApiError } from '../../lib/api.js';
import { useDocValue } from '../../lib/session-sync.js';
import { Avatar } from '../../ui/avatar.js';
import { clockTime } from '../../ui/panel.js';

/** The session's conversation: people's messages now, the agent's run in a later release. */
export function TranscriptPanelBody({ doc, sessionId, canEdit }: { doc: Y.Doc; sessionId: string; canEdit: boolean }) {
  const entries = useDocValue(doc, readTranscript);
  const endRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Braces matter: newer Chromium returns a Promise from scrollIntoView, which React would call as a cleanup.
    endRef.current?.scrollIntoView({ block: 'end' });
  }, [entries.length]);

  return (
    <div className="transcript">
      <div className="agent-placeholder" role="note">
        <span className="agent-dot" aria-hidden />
        <div>
          <strong>Agent not connected</strong>
          <p className="muted">The coding agent joins this conversation in a later release. Until then, plan and talk it through here.</p>
        </div>
      </div>
      <ol className="transcript-entries" data-testid="transcript">
        {entries.length === 0 && <li className="muted empty-line">No messages yet.</li>}
        {entries.map((entry) =>
          entry.kind === 'user-message' ? (
            <li key={entry.id} className="message" data-testid="message">
              <Avatar name={entry.authorName} color={colorForUserId(entry.authorId)} size="sm" />
              <div className="message-body">
                <div className="message-head">
                  <strong>{entry.authorName}</strong>
                  <time dateTime={new Date(entry.createdAt).toISOString()}>{clockTime(entry.createdAt)}</time>
                </div>
                <p>{entry.text}</p>
              </div>
            </li>
          ) : (
            <li key={entry.id} className={`notice notice-${entry.level}`}>
              {entry.text}
            </li>
          ),
        )}
      </ol>
      <div ref={endRef} />
      {canEdit ? <Composer sessionId={sessionId} /> : <p className="viewer-note">You are viewing. Ask the owner for an editor link to take part.</p>}
    </div>
  );
}

function Composer({ sessionId }: { sessionId: string }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  async function send(event?: FormEvent) {
    event?.preventDefault();
    const message = text.trim();
    if (!message || sending) return;
    setSending(true);
    setError(null);
    try {
      await api.postMessage(sessionId, message);
      setText('');
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : 'Message not sent; try again.');
    } finally {
      setSending(false);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void send();
    }
  }

  return (
    <form className="composer" onSubmit={send}>
      <textarea
        value={text}
        maxLength={MAX_CHAT_MESSAGE_CHARS}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        placeholder="Message everyone in this session…  (Enter to send, Shift+Enter for a new line)"
        aria-label="Message"
        rows={2}
      />
      <div className="composer-row">
        {error ? <span className="error-text">{error}</span> : <span />}
        <button className="button primary small" disabled={sending || text.trim().length === 0}>
          Send
        </button>
      </div>
    </form>
  );
}
