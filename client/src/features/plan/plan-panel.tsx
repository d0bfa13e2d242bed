import { useMemo, useState, type FormEvent } from 'react';
import type * as Y from 'yjs';
import { addPlanStep, readPlan, removePlanStep, updatePlanStep } from '@tandem/shared/doc/accessors.js';
import { personOrigin, type DocOrigin } from '@tandem/shared/doc/origins.js';
import type { PlanStep, PlanStepStatus } from '@tandem/shared/doc/schema.js';
import { MAX_PLAN_STEP_TITLE_CHARS } from '@tandem/shared/limits.js';
import { useDocValue } from '../../lib/session-sync.js';

const NEXT_STATUS: Record<PlanStepStatus, PlanStepStatus> = {
  pending: 'in_progress',
  in_progress: 'done',
  done: 'pending',
  failed: 'pending',
  skipped: 'pending',
};
const STATUS_LABEL: Record<PlanStepStatus, string> = {
  pending: 'To do',
  in_progress: 'In progress',
  done: 'Done',
  failed: 'Failed',
  skipped: 'Skipped',
};

function newStepId(): string {
  return `step_${crypto.randomUUID().slice(0, 8)}`;
}

/** The plan, co-edited by everyone with edit rights (and later the agent). */
export function PlanPanelBody({ doc, canEdit, person }: { doc: Y.Doc; canEdit: boolean; person: { id: string; name: string } }) {
  const origin = useMemo(() => personOrigin(person), [person.id, person.name]);
  const steps = useDocValue(doc, readPlan, ['plan']);
  const [draft, setDraft] = useState('');

  function add(event: FormEvent) {
    event.preventDefault();
    const title = draft.trim();
    if (!title) return;
    addPlanStep(doc, { id: newStepId(), title }, origin);
    setDraft('');
  }

  const done = steps.filter((step) => step.status === 'done').length;
  return (
    <div className="plan">
      {steps.length > 0 && (
        <div className="plan-progress" aria-label={`${done} of ${steps.length} steps done`}>
          <div className="plan-progress-bar" style={{ width: `${(done / steps.length) * 100}%` }} />
        </div>
      )}
      {steps.length === 0 && <p className="muted empty-line">No steps yet. {canEdit ? 'Add the first one below.' : 'The plan appears here as it is written.'}</p>}
      <ol className="plan-steps" data-testid="plan-steps">
        {steps.map((step, index) => (
          <PlanStepRow key={step.id} doc={doc} step={step} index={index} canEdit={canEdit} origin={origin} />
        ))}
      </ol>
      {canEdit && (
        <form className="plan-add" onSubmit={add}>
          <input
            value={draft}
            maxLength={MAX_PLAN_STEP_TITLE_CHARS}
            onChange={(event) => setDraft(event.target.value)}
            placeholder="Add a step…"
            aria-label="New plan step"
          />
          <button className="button small" disabled={draft.trim().length === 0}>
            Add
          </button>
        </form>
      )}
    </div>
  );
}

function PlanStepRow({ doc, step, index, canEdit, origin }: { doc: Y.Doc; step: PlanStep; index: number; canEdit: boolean; origin: DocOrigin }) {
  return (
    <li className={`plan-step status-${step.status}`} data-testid="plan-step">
      <button
        className={`step-status status-${step.status}`}
        disabled={!canEdit}
        onClick={() => updatePlanStep(doc, step.id, { status: NEXT_STATUS[step.status] }, origin)}
        title={`${STATUS_LABEL[step.status]}${canEdit ? ' — click to advance' : ''}`}
        aria-label={`Step ${index + 1}: ${STATUS_LABEL[step.status]}`}
      />
      {canEdit ? (
        <input
          className="step-title"
          value={step.title}
          maxLength={MAX_PLAN_STEP_TITLE_CHARS}
          onChange={(event) => updatePlanStep(doc, step.id, { title: event.target.value }, origin)}
          aria-label={`Step ${index + 1} title`}
        />
      ) : (
        <span className="step-title">{step.title}</span>
      )}
      {canEdit && (
        <button className="icon-button" onClick={() => removePlanStep(doc, step.id, origin)} title="Remove step" aria-label={`Remove step ${index + 1}`}>
          ×
        </button>
      )}
    </li>
  );
}
