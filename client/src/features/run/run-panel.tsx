import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { readAgentState } from '@tandem/shared/doc/accessors.js';
import { readRun } from '@tandem/shared/doc/run-accessors.js';
import type { CheckFailure, RunNodeStatus, RunNodeView, RunState, RunView } from '@tandem/shared/doc/run-schema.js';
import type { RunNodeAction } from '@tandem/shared/protocol/runs.js';
import { useDocValue } from '../../lib/session-sync.js';
import { useAction } from '../../lib/use-action.js';
import { runApi } from './run-api.js';
import { editableField, NodeParamEditor } from './node-param-editor.js';
import './run-panel.css';

const STATUS_WORD: Record<RunNodeStatus, string> = {
  pending: 'Pending',
  running: 'Running',
  passed: 'Passed',
  failed: 'Failed',
  skipped: 'Skipped',
  waiting: 'Waiting for approval',
};
const STATUS_ICON: Record<RunNodeStatus, string> = { pending: '○', running: '◐', passed: '✓', failed: '✗', skipped: '↷', waiting: '⏸' };
const RUN_WORD: Record<RunState, string> = {
  running: 'Running',
  waiting: 'Waiting for approval',
  passed: 'Passed',
  'handed-back': 'Handed back',
  failed: 'Failed',
  stopped: 'Stopped',
};

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A running node's elapsed time ticks once a second; a finished one shows its duration. */
function useElapsed(node: RunNodeView): string | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (node.status !== 'running') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [node.status]);
  if (node.durationMs !== undefined && node.status !== 'running') return formatDuration(node.durationMs);
  if (node.status === 'running' && node.startedAt) return formatDuration(Math.max(0, now - node.startedAt));
  return null;
}

const compactTokens = (tokens: number) => (tokens >= 10_000 ? `${Math.round(tokens / 1000)}k` : tokens >= 1000 ? `${(tokens / 1000).toFixed(1)}k` : String(tokens));

/** What the running agent step has left of its budget: turns, output tokens, and what it cost so far. */
function AgentBudget({ doc }: { doc: Y.Doc }) {
  const agent = useDocValue(doc, readAgentState, ['meta']);
  if (!agent || agent.state !== 'running' || agent.maxTurns === 0) return null;
  return (
    <div className="run-node-budget muted small" data-testid="run-node-budget" title="What this step may still spend before the engine stops it">
      turn {agent.turns} of {agent.maxTurns} · {compactTokens(agent.outputTokens)} of {compactTokens(agent.maxOutputTokens)} output tokens · ${agent.costUsd.toFixed(2)}
    </div>
  );
}

function FailureCard({ failure, onOpenFile }: { failure: CheckFailure; onOpenFile: (path: string) => void }) {
  const where = failure.file ? `${failure.file}${failure.line ? `:${failure.line}` : ''}${failure.column ? `:${failure.column}` : ''}` : null;
  // A check that could not run (a missing tool or module): the setup must change, not the code.
  const environment = failure.kind === 'environment';
  return (
    <li className={`run-failure${environment ? ' run-failure-environment' : ''}`} data-testid="run-failure" data-kind={failure.kind ?? 'code'}>
      <div className="run-failure-head">
        {environment && (
          <span className="run-failure-kind" title="The check could not run: fix the sandbox's setup, not the code">
            Environment
          </span>
        )}
        {where ? (
          <button type="button" className="link run-failure-where" onClick={() => onOpenFile(failure.file!)} title="Open in the editor">
            {where}
          </button>
        ) : environment ? null : (
          <span className="muted">no location</span>
        )}
        <span className="run-failure-tool">{failure.check ?? failure.tool}</span>
        {(failure.rule ?? failure.test) && <span className="run-failure-rule">{failure.rule ?? failure.test}</span>}
      </div>
      <pre className="run-failure-message">{failure.message}</pre>
    </li>
  );
}

function NodeRow({ doc, node, run, sessionId, canEdit, onOpenFile }: { doc: Y.Doc; node: RunNodeView; run: RunView; sessionId: string; canEdit: boolean; onOpenFile: (path: string) => void }) {
  const elapsed = useElapsed(node);
  const { busy, error, run: act } = useAction('That did not work; try again.');
  const ended = run.state === 'handed-back' || run.state === 'failed';
  const actions: Array<{ action: RunNodeAction; label: string }> = [];
  if (canEdit) {
    if (node.status === 'waiting') actions.push({ action: 'approve', label: 'Approve' });
    if (node.status === 'failed' && ended) actions.push({ action: 'retry', label: 'Retry' });
    if (node.status === 'waiting' || (node.status === 'failed' && ended) || (node.status === 'pending' && (run.state === 'running' || run.state === 'waiting'))) {
      actions.push({ action: 'skip', label: 'Skip' });
    }
  }
  const showAttempts = node.maxAttempts > 1 || node.attempt > 1;
  // A step not yet run may have its parameter changed by an editor (the server refuses once it has run).
  const [editing, setEditing] = useState(false);
  const editable = canEdit && node.status === 'pending' && node.attempt === 0 && run.state !== 'passed' && run.state !== 'stopped' && editableField(node) !== undefined;
  return (
    <li className={`run-node run-node-${node.status}`} data-testid={`run-node-${node.id}`} data-status={node.status}>
      <div className="run-node-head">
        <span className={`run-node-icon status-${node.status}`} aria-hidden>
          {STATUS_ICON[node.status]}
        </span>
        <span className="run-node-title">{node.title}</span>
        <span className="run-node-kind">{node.kind}</span>
        <span className="run-node-meta">
          <span className={`run-node-status status-${node.status}`}>{STATUS_WORD[node.status]}</span>
          {showAttempts && node.attempt > 0 && (
            <span title="attempt of the most the blueprint allows">
              · attempt {node.attempt} of {node.maxAttempts}
            </span>
          )}
          {elapsed && <span>· {elapsed}</span>}
        </span>
        {(actions.length > 0 || editable) && (
          <span className="run-node-actions">
            {editable && !editing && (
              <button type="button" className="button small" onClick={() => setEditing(true)} title="Change this step before it runs">
                Edit
              </button>
            )}
            {actions.map((item) => (
              <button key={item.action} type="button" className={`button small ${item.action === 'approve' ? 'primary' : ''}`} disabled={busy} onClick={() => void act(() => runApi.act(sessionId, node.id, item.action))}>
                {item.label}
              </button>
            ))}
          </span>
        )}
      </div>
      {node.status === 'running' && (node.kind === 'agent' || node.kind === 'fix') && <AgentBudget doc={doc} />}
      {node.note && <div className="run-node-note muted small">{node.note}</div>}
      {editable && editing && <NodeParamEditor sessionId={sessionId} node={node} onDone={() => setEditing(false)} />}
      {error && <div className="error-text small">{error}</div>}
      {node.failures.length > 0 && node.status !== 'passed' && (
        <ul className="run-failures">
          {node.failures.map((failure, index) => (
            <FailureCard key={index} failure={failure} onOpenFile={onOpenFile} />
          ))}
        </ul>
      )}
      {node.excerpt && node.status !== 'pending' && (
        <details className="run-node-output" open={node.status === 'failed' && node.failures.length === 0}>
          <summary className="muted small">Output</summary>
          <pre>{node.excerpt}</pre>
        </details>
      )}
    </li>
  );
}

/** Only a web address becomes a link: the doc is a view, and a javascript: URL must never be clickable. */
const isWebAddress = (url: string) => /^https?:\/\//i.test(url);

/** Where the run's work went: the commit, the push and the draft PR, the same on every screen. */
function ShippedLine({ run }: { run: RunView }) {
  if (!run.commit) return null;
  const pullRequest = run.pullRequest;
  return (
    <div className="run-shipped small" data-testid="run-commit">
      <span>
        Committed <code>{run.commit.sha.slice(0, 10)}</code> on <code>{run.commit.branch}</code>
      </span>
      {run.push && (
        <span data-testid="run-push">
          · pushed to <code>{run.push.remote}</code>
        </span>
      )}
      {pullRequest && (
        <span data-testid="run-pull-request">
          ·{' '}
          {isWebAddress(pullRequest.url) ? (
            <a className="run-pull-request-link" href={pullRequest.url} target="_blank" rel="noreferrer noopener">
              {pullRequest.draft ? 'Draft PR' : 'PR'} #{pullRequest.number} ↗
            </a>
          ) : (
            <span>
              {pullRequest.draft ? 'Draft PR' : 'PR'} #{pullRequest.number}
            </span>
          )}
        </span>
      )}
    </div>
  );
}

/** The blueprint run: its steps live for everyone, with what failed where; editors approve, skip, retry or stop. */
export function RunPanelBody({ doc, sessionId, canEdit, onOpenFile }: { doc: Y.Doc; sessionId: string; canEdit: boolean; onOpenFile: (path: string) => void }) {
  const run = useDocValue(doc, readRun, ['run']);
  const { busy, error, run: act } = useAction('Could not stop the run; try again.');
  if (!run) return null;
  const active = run.state === 'running' || run.state === 'waiting';
  return (
    <section className={`run-panel run-${run.state}`} data-testid="run-panel" aria-label="Blueprint run">
      <header className="run-header">
        <div>
          <div className="run-title">
            <span className="run-blueprint">{run.blueprint}</span>
            <span className={`run-state run-state-${run.state}`} data-testid="run-state">
              {RUN_WORD[run.state]}
            </span>
            {run.pullRequest && isWebAddress(run.pullRequest.url) && (
              <a className="run-pull-request-chip" href={run.pullRequest.url} target="_blank" rel="noreferrer noopener" data-testid="run-pull-request-chip">
                {run.pullRequest.draft ? 'Draft PR' : 'PR'} #{run.pullRequest.number} ↗
              </a>
            )}
          </div>
          <div className="run-goal muted small" title={run.goal}>
            {run.goal} · started by {run.startedBy}
          </div>
        </div>
        {active && canEdit && (
          <button type="button" className="button small danger" disabled={busy} onClick={() => void act(() => runApi.stop(sessionId))}>
            Stop
          </button>
        )}
      </header>
      {error && <div className="error-text small">{error}</div>}
      <ol className="run-nodes">
        {run.nodes.map((node) => (
          <NodeRow key={node.id} doc={doc} node={node} run={run} sessionId={sessionId} canEdit={canEdit} onOpenFile={onOpenFile} />
        ))}
      </ol>
      {run.summary && run.state !== 'passed' && (
        <div className={`run-summary run-summary-${run.state}`} data-testid="run-summary">
          <pre>{run.summary}</pre>
        </div>
      )}
      <ShippedLine run={run} />
    </section>
  );
}
