import type * as Y from 'yjs';
import { readQueue } from '@tandem/shared/doc/accessors.js';
import { colorForUserId } from '@tandem/shared/protocol/presence.js';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/use-action.js';
import { useDocValue } from '../../lib/session-sync.js';
import { Avatar } from '../../ui/avatar.js';

/** Messages waiting for the agent, visible to all; their author or the owner can take one back. */
export function QueueList({ doc, sessionId, userId, isOwner }: { doc: Y.Doc; sessionId: string; userId: string; isOwner: boolean }) {
  const queue = useDocValue(doc, readQueue, ['queue']);
  const { error, run } = useAction('Could not cancel; try again.');
  if (queue.length === 0) return null;
  const cancel = (messageId: string) => run(() => api.cancelQueued(sessionId, messageId));

  return (
    <div className="queue" data-testid="queue">
      <div className="queue-title">Waiting for the agent</div>
      <ol>
        {queue.map((item) => (
          <li key={item.id} className="queue-item">
            <Avatar name={item.authorName} color={colorForUserId(item.authorId)} size="sm" />
            <span className={`chip delivery-${item.delivery}`}>{item.delivery === 'steer' ? 'next tool boundary' : 'after this turn'}</span>
            <span className="queue-text">{item.text}</span>
            {(item.authorId === userId || isOwner) && (
              <button className="icon-button" title="Cancel this message" aria-label={`Cancel ${item.authorName}’s message`} onClick={() => void cancel(item.id)}>
                ×
              </button>
            )}
          </li>
        ))}
      </ol>
      {error && <div className="error-text">{error}</div>}
    </div>
  );
}
