import { useCallback, useEffect, useRef, useState } from 'react';
import type { BlueprintFileProblem, BlueprintSummary } from '@tandem/shared/protocol/runs.js';
import { runApi } from './run-api.js';

/** The composer's default: a plain agent run, as before blueprints. */
export const PLAIN_RUN = '';

/** `path:line — message`, as an editor or a terminal shows a problem. */
export const describeProblem = (problem: BlueprintFileProblem) => `${problem.file}:${problem.line} — ${problem.message}`;

function optionLabel(blueprint: BlueprintSummary): string {
  if (blueprint.source === 'built-in') return `Blueprint: ${blueprint.name}`;
  return `Blueprint: ${blueprint.name} (repo${blueprint.overridesBuiltIn ? ', replaces the built-in' : ''})`;
}

/** The repo's blueprint files that could not be used, readable at a glance: the built-ins still work. */
function BlueprintProblems({ problems }: { problems: BlueprintFileProblem[] }) {
  const files = new Set(problems.map((problem) => problem.file)).size;
  return (
    <details className="blueprint-problems" data-testid="blueprint-problems">
      <summary title={`${files} of this repo's .tandem/blueprints files ${files === 1 ? 'has' : 'have'} problems and ${files === 1 ? 'is' : 'are'} not used; open to see where`}>
        ⚠ {files} broken
      </summary>
      <div className="blueprint-problems-popover" role="note">
        <div className="small muted">Not used until fixed (the other blueprints still work):</div>
        <ul>
          {problems.map((problem, index) => (
            <li key={index} data-testid="blueprint-problem">
              <code>
                {problem.file}:{problem.line}
              </code>{' '}
              — {problem.message}
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}

/**
 * Which blueprint the next run follows: the built-ins and the session repo's own (`.tandem/blueprints/`),
 * fetched again whenever a person goes to pick one, so a file just added or fixed shows up.
 */
export function BlueprintPicker({ sessionId, value, onChange }: { sessionId: string; value: string; onChange: (name: string) => void }) {
  const [blueprints, setBlueprints] = useState<BlueprintSummary[]>([]);
  const [problems, setProblems] = useState<BlueprintFileProblem[]>([]);
  const live = useRef(true);
  const refresh = useCallback(() => {
    runApi
      .blueprints(sessionId)
      .then((response) => {
        if (!live.current) return;
        setBlueprints(response.blueprints);
        setProblems(response.invalid ?? []);
      })
      .catch(() => {});
  }, [sessionId]);
  useEffect(() => {
    live.current = true;
    refresh();
    return () => {
      live.current = false;
    };
  }, [refresh]);
  // A blueprint picked earlier that the repo no longer has falls back to the plain run.
  useEffect(() => {
    if (value !== PLAIN_RUN && blueprints.length > 0 && !blueprints.some((blueprint) => blueprint.name === value)) onChange(PLAIN_RUN);
  }, [blueprints, value, onChange]);
  if (blueprints.length === 0) return null;
  const picked = blueprints.find((blueprint) => blueprint.name === value);
  const builtIns = blueprints.filter((blueprint) => blueprint.source === 'built-in');
  const fromRepo = blueprints.filter((blueprint) => blueprint.source === 'repo');
  const title = picked
    ? `${picked.description}${picked.file ? ` (from ${picked.file})` : ''} Steps: ${picked.nodes.map((node) => node.title).join(' → ')}`
    : 'The agent alone, no checks or commit';
  return (
    <span className="composer-blueprints">
      {problems.length > 0 && <BlueprintProblems problems={problems} />}
      <select className="composer-blueprint" aria-label="Blueprint for the next run" data-testid="blueprint-picker" value={value} title={title} onFocus={refresh} onChange={(event) => onChange(event.target.value)}>
        <option value={PLAIN_RUN}>Plain run</option>
        <optgroup label="Built-in">
          {builtIns.map((blueprint) => (
            <option key={blueprint.name} value={blueprint.name}>
              {optionLabel(blueprint)}
            </option>
          ))}
        </optgroup>
        {fromRepo.length > 0 && (
          <optgroup label="From this repo (.tandem/blueprints)">
            {fromRepo.map((blueprint) => (
              <option key={blueprint.name} value={blueprint.name}>
                {optionLabel(blueprint)}
              </option>
            ))}
          </optgroup>
        )}
      </select>
    </span>
  );
}
