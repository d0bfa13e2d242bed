import { useEffect, useState } from 'react';
import { readMeta } from '@tandem/shared/doc/accessors.js';
import type { SessionMeta } from '@tandem/shared/doc/schema.js';
import type { SessionSummary } from '@tandem/shared/protocol/http.js';
import { canEditSession, canManageSharing } from '@tandem/shared/roles.js';
import { api } from '../../lib/api.js';
import { errorMessage } from '../../lib/use-action.js';
import type { StoredIdentity } from '../../lib/identity.js';
import { useDocValue, useSessionSync, type ConnectionState, type SessionSync } from '../../lib/session-sync.js';
import { OverflowMenu } from '../../ui/overflow-menu.js';
import { Panel } from '../../ui/panel.js';
import { useMediaQuery } from '../../ui/use-media-query.js';
import { EditorPanelBody } from '../editor/editor-panel.js';
import { useOpenFile } from '../editor/use-open-file.js';
import { EndedBanner, EndSessionButton, EndSessionDialog } from './session-end.js';
import { SessionWorkspace } from './session-workspace.js';
import { shownSessionState } from '../../lib/state-words.js';
import { StateChip } from '../../ui/state-chip.js';
import { TopBar } from '../../ui/top-bar.js';
import { FilesPanelBody } from '../files/files-panel.js';
import { NetworkPrompts } from '../network/network-prompts.js';
import { PlanPanelBody } from '../plan/plan-panel.js';
import { RunPanelBody } from '../run/run-panel.js';
import { PanelPresence, PresenceBar } from '../presence/presence-bar.js';
import { setFocus, useParticipants } from '../presence/use-presence.js';
import { ShareDialog } from '../sharing/share-dialog.js';
import { SecretsDialog } from '../secrets/secrets-dialog.js';
import { TerminalPanelBody } from '../terminal/terminal-panel.js';
import { TranscriptPanelBody } from '../transcript/transcript-panel.js';

/** Below this width the header folds its actions (End, Share) into a menu so nothing overlaps. */
const FOLD_HEADER_ACTIONS_QUERY = '(max-width: 1180px)';

export function SessionPage({ sessionId, identity }: { sessionId: string; identity: StoredIdentity }) {
  const [summary, setSummary] = useState<SessionSummary | null>(null);
  const [accessError, setAccessError] = useState<string | null>(null);

  useEffect(() => {
    setSummary(null);
    setAccessError(null);
    api.getSession(sessionId).then(
      (response) => setSummary(response.session),
      (error: unknown) => setAccessError(errorMessage(error, 'Could not open this session.')),
    );
  }, [sessionId]);

  if (accessError) {
    return (
      <div className="page">
        <TopBar />
        <main className="centered">
          <div className="card notice-card">
            <h2>Cannot open this session</h2>
            <p className="error-text">{accessError}</p>
            <a className="button" href="/">
              Back to your sessions
            </a>
          </div>
        </main>
      </div>
    );
  }
  if (!summary) {
    return (
      <div className="page">
        <TopBar />
        <main className="centered muted">Opening session…</main>
      </div>
    );
  }
  return <LiveSession summary={summary} identity={identity} />;
}

function LiveSession({ summary, identity }: { summary: SessionSummary; identity: StoredIdentity }) {
  const { sync, connection } = useSessionSync(summary.id, identity);
  if (!sync) return null;
  return <SessionLayout summary={summary} identity={identity} sync={sync} connection={connection} />;
}

function ConnectionBadge({ connection }: { connection: ConnectionState }) {
  const label = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', closed: 'Disconnected' }[connection.kind];
  return (
    <span className={`connection connection-${connection.kind}`} data-testid="connection" data-state={connection.kind} title={label}>
      <span className="connection-dot" aria-hidden />
      <span className="connection-label">{label}</span>
    </span>
  );
}

/** Why an editor or owner cannot write here now; a viewer gets the panel's own note. */
function readOnlyNote(role: SessionSummary['role'], meta: SessionMeta, connection: ConnectionState): string | undefined {
  if (meta.endedAt) {
    return meta.continuedIn
      ? `This session has ended. The conversation goes on in “${meta.continuedIn.title}” (the link above).`
      : 'This session has ended, so nobody can write here.';
  }
  if (!canEditSession(role)) return undefined;
  if (connection.kind === 'closed') return 'Not connected: you can write again once the session reconnects.';
  return undefined;
}

function SessionLayout({
  summary,
  identity,
  sync,
  connection,
}: {
  summary: SessionSummary;
  identity: StoredIdentity;
  sync: SessionSync;
  connection: ConnectionState;
}) {
  const meta = useDocValue(sync.doc, readMeta, ['meta']);
  const participants = useParticipants(sync.provider);
  const [sharing, setSharing] = useState(false);
  const [secrets, setSecrets] = useState(false);
  const [ending, setEnding] = useState(false);
  // An ended session is read-only for everyone: its sandbox is gone, so nothing could reach it.
  const canEdit = canEditSession(summary.role) && connection.kind !== 'closed' && !meta.endedAt;
  const focus = (panel: Parameters<typeof setFocus>[1]) => () => setFocus(sync.provider, panel);
  const openFile = useOpenFile(summary.id, sync.provider);
  const foldHeaderActions = useMediaQuery(FOLD_HEADER_ACTIONS_QUERY);

  return (
    <div className="page session-page">
      <TopBar>
        <div className="session-heading">
          <h1 data-testid="session-title">{meta.title || summary.title}</h1>
          <code className="repo">{meta.repo || summary.repo}</code>
          <StateChip state={shownSessionState(meta)} testId="session-state" />
          {summary.role !== 'owner' && <span className="chip role">{summary.role === 'viewer' ? 'Viewing' : 'Editor'}</span>}
        </div>
        <div className="session-tools">
          <ConnectionBadge connection={connection} />
          <PresenceBar participants={participants} />
          {summary.role === 'editor' && (
            <button className="button small" onClick={() => setSecrets(true)}>
              Secrets
            </button>
          )}
          {canManageSharing(summary.role) && (
            <OverflowMenu folded={foldHeaderActions}>
              {!meta.endedAt && <EndSessionButton onRequest={() => setEnding(true)} />}
              <button className="button small" onClick={() => setSecrets(true)}>
                Secrets
              </button>
              <button className="button primary small" onClick={() => setSharing(true)}>
                Share
              </button>
            </OverflowMenu>
          )}
        </div>
      </TopBar>
      {connection.kind === 'closed' && <div className="banner banner-error">{connection.message}</div>}
      <EndedBanner meta={meta} sessionId={summary.id} canEdit={canEditSession(summary.role)} />
      {!meta.endedAt && <NetworkPrompts doc={sync.doc} sessionId={summary.id} canEdit={canEdit} isOwner={summary.role === 'owner'} />}
      {connection.kind === 'reconnecting' && <div className="banner">{connection.message}</div>}
      <SessionWorkspace
        userId={identity.user.id}
        plan={
          <Panel title="Plan" icon="☰" testId="plan-panel" onFocus={focus('plan')} actions={<PanelPresence participants={participants} focus="plan" />}>
            <RunPanelBody doc={sync.doc} sessionId={summary.id} canEdit={canEdit} onOpenFile={openFile.open} />
            <PlanPanelBody doc={sync.doc} canEdit={canEdit} person={identity.user} />
          </Panel>
        }
        files={
          <Panel title="Files" icon="▤" testId="files-panel" onFocus={focus('files')} actions={<PanelPresence participants={participants} focus="files" />}>
            <FilesPanelBody doc={sync.doc} selected={openFile.path} participants={participants} onOpen={openFile.open} />
          </Panel>
        }
        conversation={
          <Panel
            title="Conversation"
            icon="✎"
            className="column-center"
            testId="transcript-panel"
            onFocus={focus('transcript')}
            actions={<PanelPresence participants={participants} focus="transcript" />}
          >
            <TranscriptPanelBody
              doc={sync.doc}
              sessionId={summary.id}
              canEdit={canEdit}
              userId={identity.user.id}
              isOwner={summary.role === 'owner'}
              readOnlyNote={readOnlyNote(summary.role, meta, connection)}
              onOpenFile={openFile.open}
            />
          </Panel>
        }
        terminal={
          <Panel
            title="Terminal"
            icon="›_"
            className="terminal-panel-frame"
            testId="terminal-panel"
            onFocus={focus('terminal')}
            actions={<PanelPresence participants={participants} focus="terminal" />}
          >
            <TerminalPanelBody sessionId={summary.id} token={identity.token} meta={meta} canEdit={canEdit} isOwner={summary.role === 'owner'} provider={sync.provider} participants={participants} />
          </Panel>
        }
        editor={
          <Panel
            title="Editor"
            icon="{ }"
            className="editor-panel-frame"
            testId="editor-panel"
            onFocus={focus('editor')}
            actions={<PanelPresence participants={participants} focus="editor" />}
          >
            <EditorPanelBody doc={sync.doc} sessionId={summary.id} provider={sync.provider} openFile={openFile} canEdit={canEdit} participants={participants} />
          </Panel>
        }
      />
      {sharing && <ShareDialog sessionId={summary.id} onClose={() => setSharing(false)} />}
      {secrets && <SecretsDialog sessionId={summary.id} onClose={() => setSecrets(false)} />}
      {ending && !meta.endedAt && <EndSessionDialog sessionId={summary.id} onClose={() => setEnding(false)} />}
    </div>
  );
}
