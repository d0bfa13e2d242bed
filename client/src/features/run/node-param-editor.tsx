import { useState, type FormEvent } from 'react';
import type { RunNodeView } from '@tandem/shared/doc/run-schema.js';
import type { EditRunNodeBody } from '@tandem/shared/protocol/runs.js';
import { useAction } from '../../lib/use-action.js';
import { runApi } from './run-api.js';

type Field = keyof EditRunNodeBody;

const FIELDS: Record<Field, { label: string; hint: string }> = {
  goal: { label: 'Goal', hint: '{goal} stands for what was asked when the run started.' },
  maxRounds: { label: 'Fix rounds', hint: 'The most rounds this step gets; the blueprint’s bound still applies.' },
  command: { label: 'Command', hint: 'Runs in the session’s sandbox.' },
  message: { label: 'Commit message', hint: '{goal} stands for what was asked when the run started.' },
};

/** The one parameter a step not yet run may have changed (see the server's node-edits). */
export function editableField(node: RunNodeView): Field | undefined {
  const params = node.params;
  if (!params) return undefined;
  return (Object.keys(FIELDS) as Field[]).find((field) => params[field] !== undefined);
}

/** A small inline form for a pending step's parameter; the server says whether the edit holds. */
export function NodeParamEditor({ sessionId, node, onDone }: { sessionId: string; node: RunNodeView; onDone: () => void }) {
  const field = editableField(node)!;
  const current = node.params?.[field];
  const [value, setValue] = useState(String(current ?? ''));
  const { busy, error, run } = useAction('The step was not changed; try again.');
  const { label, hint } = FIELDS[field];

  async function save(event: FormEvent) {
    event.preventDefault();
    const edit: EditRunNodeBody = field === 'maxRounds' ? { maxRounds: Number(value) } : { [field]: value };
    if (await run(() => runApi.editNode(sessionId, node.id, edit))) onDone();
  }

  const inputId = `run-edit-${node.id}`;
  return (
    <form className="run-node-edit" onSubmit={(event) => void save(event)} data-testid={`run-node-edit-${node.id}`}>
      <label htmlFor={inputId} className="small">
        {label} of “{node.title}”
      </label>
      {field === 'goal' ? (
        <textarea id={inputId} rows={3} value={value} onChange={(event) => setValue(event.target.value)} />
      ) : (
        <input id={inputId} type={field === 'maxRounds' ? 'number' : 'text'} min={field === 'maxRounds' ? 1 : undefined} value={value} onChange={(event) => setValue(event.target.value)} className={field === 'command' ? 'mono' : undefined} />
      )}
      <div className="run-node-edit-row">
        <span className="muted small">{hint}</span>
        <button type="button" className="button small" onClick={onDone} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="button small primary" disabled={busy || value.trim() === ''}>
          Save
        </button>
      </div>
      {error && <div className="error-text small">{error}</div>}
    </form>
  );
}
