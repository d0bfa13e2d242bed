import { useEffect, useRef, useState } from 'react';
import type { ToolCallEntry } from '@tandem/shared/doc/schema.js';
import { api } from '../../lib/api.js';
import { errorMessage } from '../../lib/use-action.js';

/** The one line that says what a call does: the command, the path, the pattern. */
function summarize(entry: ToolCallEntry): string {
  let input: Record<string, unknown> = {};
  try {
    input = JSON.parse(entry.input || '{}') as Record<string, unknown>;
  } catch {
    // Capped input is not valid JSON any more: show the raw start instead.
    return entry.input.slice(0, 120);
  }
  const text = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : '');
  switch (entry.name) {
    case 'bash':
      return text('command');
    case 'read_file': {
      const range = input.start_line ? `:${String(input.start_line)}${input.end_line ? `-${String(input.end_line)}` : ''}` : '';
      return `${text('path')}${range}`;
    }
    case 'write_file':
    case 'edit_file':
      return text('path');
    case 'list_files':
      return [text('path'), text('pattern')].filter(Boolean).join(' ') || '.';
    case 'grep':
      return `/${text('pattern')}/ ${text('glob')}`.trim();
    case 'update_plan':
      return Array.isArray(input.steps) ? `${input.steps.length} step${input.steps.length === 1 ? '' : 's'}` : '';
    default:
      return entry.input.slice(0, 120);
  }
}

const STATUS_LABELS: Record<ToolCallEntry['status'], string> = { pending: 'Preparing', running: 'Running', done: 'Done', error: 'Failed' };

function formatDuration(durationMs: number): string {
  return durationMs < 1000 ? `${durationMs} ms` : `${(durationMs / 1000).toFixed(1)} s`;
}

/** How long a running call has been going, in whole seconds ("0 s", "42 s", "3 min 05 s"). */
export function formatElapsed(elapsedMs: number): string {
  const seconds = Math.max(0, Math.floor(elapsedMs / 1000));
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** How often the elapsed time of a running call is redrawn. */
const ELAPSED_TICK_MS = 1000;

/** The time now, redrawn every second while `ticking`. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), ELAPSED_TICK_MS);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

/** A running call's output so far, kept scrolled to its newest line unless the reader scrolled up. */
function LiveOutput({ text, cut }: { text: string; cut: boolean }) {
  const ref = useRef<HTMLPreElement>(null);
  const following = useRef(true);
  useEffect(() => {
    const element = ref.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [text]);
  return (
    <pre
      ref={ref}
      className="tool-output tool-output-live"
      data-testid="tool-live-output"
      aria-live="off"
      onScroll={(event) => {
        const element = event.currentTarget;
        following.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
      }}
    >
      {cut && <span className="muted">… earlier output cut; the newest lines follow{'\n'}</span>}
      {text}
    </pre>
  );
}

/** One tool call of the agent: what, its status and time, and its output on demand. */
export function ToolCallCard({ entry, sessionId, onOpenFile }: { entry: ToolCallEntry; sessionId: string; onOpenFile(path: string): void }) {
  const summary = summarize(entry);
  const [fullOutput, setFullOutput] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const showFull = () =>
    api.toolOutput(sessionId, entry.id).then(setFullOutput, (caught: unknown) => setLoadError(errorMessage(caught, 'Could not load the output.')));
  const running = entry.status === 'running';
  const now = useNow(running && entry.startedAt !== undefined);
  return (
    <li className={`tool-call tool-${entry.status}`} data-testid="tool-call" data-status={entry.status} data-tool={entry.name}>
      <details open={entry.status === 'error' || entry.name === 'bash'}>
        <summary>
          <span className={`tool-status status-${entry.status}`} aria-label={STATUS_LABELS[entry.status]} title={STATUS_LABELS[entry.status]} />
          <span className="tool-name">{entry.name}</span>
          <code className="tool-summary">{summary}</code>
          {running && entry.startedAt !== undefined && (
            <span className="tool-duration tool-elapsed" data-testid="tool-elapsed" title="Running for">
              {formatElapsed(now - entry.startedAt)}
            </span>
          )}
          {entry.durationMs !== undefined && <span className="tool-duration">{formatDuration(entry.durationMs)}</span>}
        </summary>
        {running && entry.liveOutput !== undefined && entry.liveOutput !== '' && <LiveOutput text={entry.liveOutput} cut={entry.liveOutputCut === true} />}
        {entry.output !== undefined && entry.output !== '' && (
          <pre className="tool-output" data-testid="tool-output">
            {fullOutput ?? entry.output}
          </pre>
        )}
        {entry.outputTruncated && fullOutput === null && (
          <div className="tool-more">
            <span className="muted">Output cut for the transcript.</span>
            <button className="link-button" onClick={() => void showFull()}>
              Show full output
            </button>
            {loadError && <span className="error-text">{loadError}</span>}
          </div>
        )}
      </details>
      {entry.files && entry.files.length > 0 && (
        <div className="tool-files">
          {entry.files.map((file) => (
            <button key={file} className="file-chip" onClick={() => onOpenFile(file)} title={`Open ${file} in the editor`}>
              {file}
            </button>
          ))}
        </div>
      )}
    </li>
  );
}
