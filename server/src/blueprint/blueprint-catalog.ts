import type { BlueprintFileProblem, BlueprintSummary } from '@tandem/shared/protocol/runs.js';
import type { Blueprint } from './blueprint-schema.js';
import { BUILT_IN_BLUEPRINTS } from './built-in-blueprints.js';
import type { Sandbox } from '../sandbox/provider.js';
import { readRepoBlueprints, REPO_BLUEPRINTS_DIR, type RepoBlueprints } from './repo-blueprints.js';

/** One blueprint a session may run, and where it came from. */
export interface CatalogEntry {
  blueprint: Blueprint;
  source: 'built-in' | 'repo';
  file?: string;
  overridesBuiltIn?: boolean;
}

export interface BlueprintCatalog {
  entries: CatalogEntry[];
  problems: BlueprintFileProblem[];
}

/** The built-ins, each replaced by a repo blueprint of the same name, then the repo's other blueprints. */
export function buildCatalog(repo: RepoBlueprints): BlueprintCatalog {
  const fromRepo = new Map(repo.blueprints.map((entry) => [entry.blueprint.name, entry]));
  const entries: CatalogEntry[] = BUILT_IN_BLUEPRINTS.map((builtIn) => {
    const override = fromRepo.get(builtIn.name);
    return override ? { blueprint: override.blueprint, source: 'repo', file: override.file, overridesBuiltIn: true } : { blueprint: builtIn, source: 'built-in' };
  });
  const builtInNames = new Set(BUILT_IN_BLUEPRINTS.map((builtIn) => builtIn.name));
  for (const entry of repo.blueprints) if (!builtInNames.has(entry.blueprint.name)) entries.push({ blueprint: entry.blueprint, source: 'repo', file: entry.file });
  return { entries, problems: repo.problems };
}

export function summarize(entry: CatalogEntry): BlueprintSummary {
  const { blueprint } = entry;
  return {
    name: blueprint.name,
    description: blueprint.description,
    nodes: blueprint.nodes.map((node) => ({ id: node.id, kind: node.kind, title: node.title })),
    source: entry.source,
    ...(entry.file ? { file: entry.file } : {}),
    ...(entry.overridesBuiltIn ? { overridesBuiltIn: true } : {}),
  };
}

/** A run's own copy: edits to its steps must never reach the built-in (or another run's) spec. */
export const copyBlueprint = (blueprint: Blueprint): Blueprint => structuredClone(blueprint);

/** The session's catalog, its repo blueprints read from the workspace; the built-ins alone (and why) when the sandbox can't be had. */
export async function readCatalog(sandbox: () => Promise<Sandbox>): Promise<BlueprintCatalog> {
  let repo: RepoBlueprints;
  try {
    repo = await readRepoBlueprints(await sandbox());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    repo = { blueprints: [], problems: [{ file: REPO_BLUEPRINTS_DIR, line: 1, message: `not read, as the session's sandbox is not running (${reason})` }] };
  }
  return buildCatalog(repo);
}
