import { useEffect, useRef } from 'react';
import type * as Y from 'yjs';
import { readAgentState, readTranscript } from '@tandem/shared/doc/accessors.js';
import type { DeliveryMode, TranscriptEntry } from '@tandem/shared/doc/schema.js';
import { colorForUserId } from '@tandem/shared/protocol/presence.js';
import { useDocValue } from '../../lib/session-sync.js';
import { Avatar } from '../../ui/avatar.js';
import { clockTime } from '../../ui/panel.js';
import { AgentBar } from '../agent/agent-bar.js';
import { QueueList } from '../agent/queue-list.js';
import { AGENT_ACTIVE_STATES, useAgentInfo } from '../agent/use-agent-info.js';
import { Composer } from './composer.js';
import { ToolCallCard } from './tool-call-card.js';

const DELIVERY_BADGES: Partial<Record<DeliveryMode, string>> = {
  prompt: 'asked the agent',
  steer: 'steered',
  queue: 'queued',
  interrupt: 'interrupted',
};

function Entry({ entry, sessionId, onOpenFile }: { entry: TranscriptEntry; sessionId: string; onOpenFile(path: string): void }) {
  switch (entry.kind) {
    case 'user-message':
      return (
        <li className="message" data-testid="message" data-delivery={entry.delivery}>
          <Avatar name={entry.authorName} color={colorForUserId(entry.authorId)} size="sm" />
          <div className="message-body">
            <div className="message-head">
              <strong>{entry.authorName}</strong>
              {DELIVERY_BADGES[entry.delivery] && <span className={`chip delivery-${entry.delivery}`}>{DELIVERY_BADGES[entry.delivery]}</span>}
              <time dateTime={new Date(entry.createdAt).toISOString()}>{clockTime(entry.createdAt)}</time>
            </div>
            <p>{entry.text}</p>
          </div>
        </li>
      );
    case 'assistant-text':
      return (
        <li className="message agent-message" data-testid="assistant-text" data-streaming={entry.streaming}>
          <span className="avatar avatar-sm agent-avatar" aria-label="Claude">
            ✳
          </span>
          <div className="message-body">
            <div className="message-head">
              <strong>Claude</strong>
              <time dateTime={new Date(entry.createdAt).toISOString()}>{clockTime(entry.createdAt)}</time>
            </div>
            <p>
              {entry.text}
              {entry.streaming && <span className="caret" aria-hidden />}
            </p>
          </div>
        </li>
      );
    case 'tool-call':
      return <ToolCallCard entry={entry} sessionId={sessionId} onOpenFile={onOpenFile} />;
    case 'system-notice':
      return <li className={`notice notice-${entry.level}`}>{entry.text}</li>;
    default:
      return entry satisfies never;
  }
}

/** The session's conversation: people, the agent's streamed words and tool calls, and the steering controls. */
export function TranscriptPanelBody({
  doc,
  sessionId,
  canEdit,
  userId,
  isOwner,
  readOnlyNote,
  onOpenFile,
}: {
  doc: Y.Doc;
  sessionId: string;
  canEdit: boolean;
  userId: string;
  isOwner: boolean;
  /** Why nobody can write here now (an ended session), in place of the viewer's note. */
  readOnlyNote?: string;
  onOpenFile(path: string): void;
}) {
  const entries = useDocValue(doc, readTranscript, ['transcript']);
  const agent = useDocValue(doc, readAgentState, ['meta']);
  const info = useAgentInfo();
  const endRef = useRef<HTMLDivElement>(null);
  const lastEntry = entries.at(-1);
  const growing = lastEntry?.kind === 'assistant-text' ? lastEntry.text.length : lastEntry?.kind === 'tool-call' ? (lastEntry.liveOutput?.length ?? 0) : 0;
  const followKey = `${entries.length}:${growing}`;
  useEffect(() => {
    // Braces matter: newer Chromium returns a Promise from scrollIntoView, which React would call as a cleanup.
    endRef.current?.scrollIntoView({ block: 'end' });
  }, [followKey]);
  const agentActive = AGENT_ACTIVE_STATES.has(agent?.state ?? 'idle');

  return (
    <div className="transcript">
      <AgentBar agent={agent} info={info} sessionId={sessionId} canEdit={canEdit} />
      <ol className="transcript-entries" data-testid="transcript">
        {entries.length === 0 && <li className="muted empty-line">No messages yet.</li>}
        {entries.map((entry) => (
          <Entry key={entry.id} entry={entry} sessionId={sessionId} onOpenFile={onOpenFile} />
        ))}
        <div ref={endRef} />
      </ol>
      <QueueList doc={doc} sessionId={sessionId} userId={userId} isOwner={isOwner} />
      {canEdit ? (
        <Composer sessionId={sessionId} agentConfigured={info?.configured ?? false} agentActive={agentActive} />
      ) : (
        <p className="viewer-note">{readOnlyNote ?? 'You are watching. Ask the owner for an editor link to chat with people or steer the agent.'}</p>
      )}
    </div>
  );
}
