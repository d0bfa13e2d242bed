import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { readMeta, readNetworkDenials } from '@tandem/shared/doc/accessors.js';
import type { NetworkDenial } from '@tandem/shared/doc/schema.js';
import type { EnvironmentApprovalResponse } from '@tandem/shared/protocol/network.js';
import { useDocValue } from '../../lib/session-sync.js';
import { useAction } from '../../lib/use-action.js';
import { networkApi } from './network-api.js';
import './network-prompts.css';

/** Refusals shown at once; the rest are counted. */
export const MAX_SHOWN_DENIALS = 3;

/** Pure: the refusals to ask about — the session's own, not yet allowed, not dismissed here, newest first. */
export function decideShownDenials(denials: readonly NetworkDenial[], dismissed: ReadonlySet<string>): { shown: NetworkDenial[]; more: number } {
  const open = denials.filter((denial) => denial.phase === 'session' && !denial.allowedBy && !dismissed.has(`${denial.host}:${denial.port}`));
  return { shown: open.slice(0, MAX_SHOWN_DENIALS), more: Math.max(0, open.length - MAX_SHOWN_DENIALS) };
}

/** A host as an editor opens it: the name alone for the web's ports, else with its port. */
const openedHost = (denial: NetworkDenial) => (denial.port === 443 || denial.port === 80 ? denial.host : `${denial.host}:${denial.port}`);

function DenialPrompt({ sessionId, denial, canEdit, onDismiss }: { sessionId: string; denial: NetworkDenial; canEdit: boolean; onDismiss(): void }) {
  const { busy, error, run } = useAction('Could not allow it; try again.');
  const address = `${denial.host}:${denial.port}`;
  return (
    <div className="network-prompt" role="alert" data-testid="network-denied">
      <span className="network-prompt-icon" aria-hidden>⊘</span>
      <div className="network-prompt-text">
        <div>
          The sandbox tried to reach <strong className="network-host">{address}</strong>: denied
          {denial.attempts > 1 ? <span className="muted"> ({denial.attempts} tries)</span> : null}
          {canEdit ? ' — Allow for this session?' : '.'}
        </div>
        <div className="network-prompt-reason muted">{denial.reason}</div>
        {error && <div className="network-prompt-error">{error}</div>}
      </div>
      {canEdit && (
        <button className="button small primary" disabled={busy} onClick={() => void run(() => networkApi.allow(sessionId, openedHost(denial)))}>
          {busy ? 'Allowing…' : 'Allow for this session'}
        </button>
      )}
      <button className="button small" onClick={onDismiss} aria-label={`Dismiss the refusal of ${address}`}>
        {canEdit ? 'Keep blocked' : 'Dismiss'}
      </button>
    </div>
  );
}

/** The sandbox's state: the environment file is read from the running sandbox's snapshot. */
const readSandboxState = (doc: Y.Doc) => readMeta(doc).sandboxState;

/** The owner's prompt to approve the repo's environment file when it widens the network of setup or sessions. */
function ApprovalPrompt({ sessionId, isOwner, sandboxState }: { sessionId: string; isOwner: boolean; sandboxState: string }) {
  const [approval, setApproval] = useState<EnvironmentApprovalResponse | null>(null);
  const { busy, error, run } = useAction('Could not approve; try again.');
  useEffect(() => {
    // Asked again whenever a sandbox is ready: before that there is no file to show, and a rebuilt snapshot may hold another.
    if (!isOwner || sandboxState !== 'ready') return;
    let cancelled = false;
    networkApi
      .approval(sessionId)
      .then((answer) => !cancelled && setApproval(answer))
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [sessionId, isOwner, sandboxState]);
  if (!isOwner || !approval?.file || approval.approved) return null;
  const { setup, session } = approval.network;
  if (setup.length === 0 && session.length === 0) return null;
  return (
    <div className="network-prompt network-approval" data-testid="environment-approval">
      <span className="network-prompt-icon" aria-hidden>⚑</span>
      <div className="network-prompt-text">
        <div>
          This repo's <code>{approval.file.path}</code> asks that
          {session.length > 0 && (
            <>
              {' '}sessions may reach <strong>{session.join(', ')}</strong>
            </>
          )}
          {session.length > 0 && setup.length > 0 && ' and'}
          {setup.length > 0 && (
            <>
              {' '}its setup script may reach <strong>{setup.join(', ')}</strong> (from the next snapshot build)
            </>
          )}
          . Nothing of it applies until you approve this exact file.
        </div>
        <details>
          <summary className="muted">Show the file</summary>
          <pre className="network-file">{approval.file.text}</pre>
        </details>
        {error && <div className="network-prompt-error">{error}</div>}
      </div>
      <button className="button small primary" disabled={busy} onClick={() => void run(async () => setApproval(await networkApi.approve(sessionId, approval.file!.hash)))}>
        {busy ? 'Approving…' : 'Approve'}
      </button>
    </div>
  );
}

/** Live network prompts of a session: what the sandbox was refused, and the repo's widening waiting for the owner. */
export function NetworkPrompts({ doc, sessionId, canEdit, isOwner }: { doc: Y.Doc; sessionId: string; canEdit: boolean; isOwner: boolean }) {
  const denials = useDocValue(doc, readNetworkDenials, ['network']);
  const sandboxState = useDocValue(doc, readSandboxState, ['meta']);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const { shown, more } = decideShownDenials(denials, dismissed);
  return (
    <div className="network-prompts" data-testid="network-prompts">
      <ApprovalPrompt sessionId={sessionId} isOwner={isOwner} sandboxState={sandboxState} />
      {shown.map((denial) => (
        <DenialPrompt
          key={`${denial.host}:${denial.port}`}
          sessionId={sessionId}
          denial={denial}
          canEdit={canEdit}
          onDismiss={() => setDismissed((previous) => new Set([...previous, `${denial.host}:${denial.port}`]))}
        />
      ))}
      {more > 0 && <div className="network-prompt-more muted">…and {more} more refused {more === 1 ? 'host' : 'hosts'}.</div>}
    </div>
  );
}
