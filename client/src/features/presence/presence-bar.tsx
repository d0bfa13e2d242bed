import type { Participant } from './use-presence.js';
import { Avatar } from '../../ui/avatar.js';

const FOCUS_LABEL: Record<string, string> = {
  plan: 'in the plan',
  transcript: 'in the conversation',
  files: 'in the files',
  terminal: 'in the terminal',
  editor: 'in the editor',
};

/** Who is here: one avatar per person, with where they are working. */
export function PresenceBar({ participants }: { participants: Participant[] }) {
  return (
    <div className="presence" aria-label="People here" data-testid="presence">
      <div className="avatar-stack">
        {participants.map((participant) => (
          <span
            key={participant.user.id}
            className="presence-person"
            data-testid="presence-person"
            data-name={participant.user.name}
            title={`${participant.user.name}${participant.isSelf ? ' (you)' : ''}${participant.focus ? ` — ${FOCUS_LABEL[participant.focus] ?? ''}` : ''}`}
          >
            <Avatar name={participant.user.name} color={participant.user.color} ring />
          </span>
        ))}
      </div>
      <span className="presence-count">{participants.length === 1 ? 'Just you' : `${participants.length} here`}</span>
    </div>
  );
}

/** The small avatars in a panel header for the people working in that panel. */
export function PanelPresence({ participants, focus }: { participants: Participant[]; focus: Participant['focus'] }) {
  const here = participants.filter((participant) => participant.focus === focus && !participant.isSelf);
  if (here.length === 0) return null;
  return (
    <span className="panel-presence">
      {here.map((participant) => (
        <Avatar key={participant.user.id} name={participant.user.name} color={participant.user.color} size="sm" />
      ))}
    </span>
  );
}
