import { useEffect, useState } from 'react';
import type { BlueprintSummary } from '../../../../shared/src/protocol/runs.js';
import { runApi } from './run-api.js';

/** The composer's default: a plain agent run, as before blueprints. */
export const PLAIN_RUN = '';

/** Which blueprint the next run follows (fetched from the server; the plain run needs none). */
export function BlueprintPicker({ sessionId, value, onChange }: { sessionId: string; value: string; onChange: (name: string) => void }) {
  const [blueprints, setBlueprints] = useState<BlueprintSummary[]>([]);
  useEffect(() => {
    let live = true;
    runApi
      .blueprints(sessionId)
      .then((response) => live && setBlueprints(response.blueprints))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [sessionId]);
  if (blueprints.length === 0) return null;
  const picked = blueprints.find((blueprint) => blueprint.name === value);
  return (
    <select
      className="composer-blueprint"
      aria-label="Blueprint for the next run"
      data-testid="blueprint-picker"
      value={value}
      title={picked ? `${picked.description} Steps: ${picked.nodes.map((node) => node.title).join(' → ')}` : 'The agent alone, no checks or commit'}
      onChange={(event) => onChange(event.target.value)}
    >
      <option value={PLAIN_RUN}>Plain run</option>
      {blueprints.map((blueprint) => (
        <option key={blueprint.name} value={blueprint.name}>
          Blueprint: {blueprint.name}
        </option>
      ))}
    </select>
  );
}
