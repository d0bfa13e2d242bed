import { useState } from 'react';
import type { SessionMeta } from '@tandem/shared/doc/schema.js';

/**
 * This server cannot run sandboxes at all (its machine lacks a system package): what is missing and
 * the one command that fixes it, as the server wrote them into the doc, so every viewer sees it.
 */
export function SandboxUnavailable({ meta }: { meta: SessionMeta }) {
  const [copied, setCopied] = useState<'yes' | 'blocked' | null>(null);
  const command = meta.sandboxFix ?? '';
  async function copy() {
    try {
      await navigator.clipboard.writeText(command);
      setCopied('yes');
    } catch {
      setCopied('blocked');
    }
  }
  return (
    <div className="sandbox-state unavailable" role="alert" data-testid="sandbox-unavailable">
      <strong>This server cannot run sandboxes yet</strong>
      <p className="muted">{meta.sandboxMessage}</p>
      {command ? (
        <>
          <p>Whoever runs the server fixes it with one command, then restarts Tandem:</p>
          <div className="fix-command">
            <code data-testid="sandbox-fix">{command}</code>
            <button className="button small" onClick={() => void copy()} aria-live="polite">
              {copied === 'yes' ? 'Copied ✓' : 'Copy'}
            </button>
          </div>
          {copied === 'blocked' && <p className="muted small">Copying is blocked in this browser; select the command and copy it by hand.</p>}
        </>
      ) : null}
      <p className="muted small">Chat, the plan and sharing work meanwhile; the terminal, files and agent need a sandbox.</p>
    </div>
  );
}
