/**
 * Where the trees a sandbox mounts (snapshots, per-sandbox workspaces) live. bubblewrap binds them
 * as the sandbox's own unprivileged uid, so every folder above them must let other users pass
 * (o+x). The data dir is the first choice (the layout of every install so far); a data dir in a
 * private home folder (0700, as /root is) cannot be, so they go to a per-server folder in a
 * root-owned /var/lib/tandem, else in the temp folder. The store never moves: it stays private.
 */

export const SANDBOX_DIR_VARIABLE = 'TANDEM_SANDBOX_DIR';
/** A root-owned home for sandbox trees of servers whose data dir is private. */
export const SYSTEM_SANDBOX_BASE = '/var/lib/tandem';
/** Every folder the server makes for sandbox trees: others may pass through, not list. */
export const SANDBOX_TREE_DIR_MODE = 0o711;

export type SandboxPlaceKind = 'configured' | 'data-dir' | 'system' | 'temporary';

/** One candidate place, as probed on the host. */
export interface SandboxPlace {
  kind: SandboxPlaceKind;
  /** The folder the server owns and sets to SANDBOX_TREE_DIR_MODE. */
  dir: string;
  /** Where snapshots/ and sandboxes/ go: `dir`, or a per-server folder inside it. */
  treesDir: string;
  /** The first folder above `dir` (by real path) that other users cannot pass through. */
  blockedBy: { path: string; mode: number } | null;
  /** `dir` is ours already, can be made, cannot be made, or is someone else's (`foreignDetail` says how). */
  state: 'ours' | 'creatable' | 'cannot-create' | 'foreign';
  foreignDetail?: string;
}

export type SandboxRootDecision = { kind: 'use'; place: SandboxPlace; note: string | null } | { kind: 'impossible'; reason: string };

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** Why a place cannot hold sandbox trees, or null when it can. */
function whyUnusable(place: SandboxPlace): string | null {
  if (place.blockedBy) return `${place.dir} lies under ${place.blockedBy.path} (mode ${octal(place.blockedBy.mode)}), which sandbox users cannot pass through`;
  switch (place.state) {
    case 'ours':
    case 'creatable':
      return null;
    case 'cannot-create':
      return `${place.dir} cannot be made (this server may not write to its parent)`;
    case 'foreign':
      return `${place.dir} exists but ${place.foreignDetail ?? 'is not a folder this server owns'}`;
    default:
      return place.state satisfies never;
  }
}

/**
 * Pure: the first usable place, in the order given. A configured place (TANDEM_SANDBOX_DIR) is the
 * only candidate when present: the operator chose it, so it is used or start-up says why not.
 */
export function decideSandboxRoot(places: readonly SandboxPlace[]): SandboxRootDecision {
  const configured = places.find((place) => place.kind === 'configured');
  if (configured) {
    const problem = whyUnusable(configured);
    if (problem === null) return { kind: 'use', place: configured, note: null };
    return {
      kind: 'impossible',
      reason: `${SANDBOX_DIR_VARIABLE}=${configured.dir} cannot hold sandbox workspaces: ${problem}. Pick a folder whose parents every user may pass through (chmod o+x), such as ${SYSTEM_SANDBOX_BASE}`,
    };
  }
  const problems: string[] = [];
  const dataDir = places.find((place) => place.kind === 'data-dir');
  for (const place of places) {
    const problem = whyUnusable(place);
    if (problem !== null) {
      problems.push(problem);
      continue;
    }
    if (place.kind === 'data-dir') return { kind: 'use', place, note: null };
    const why = dataDir?.blockedBy ? `the data dir ${dataDir.dir} lies under ${dataDir.blockedBy.path} (mode ${octal(dataDir.blockedBy.mode)}), which sandbox users cannot pass through` : 'the data dir cannot hold them';
    const lasting =
      place.kind === 'temporary' ? ` Saved workspaces there do not outlive a reboot; set ${SANDBOX_DIR_VARIABLE} to a lasting folder to keep them.` : '';
    return { kind: 'use', place, note: `Sandbox workspaces and snapshots live in ${place.treesDir}: ${why}; the store stays in the data dir.${lasting}` };
  }
  return {
    kind: 'impossible',
    reason: `No folder here can hold sandbox workspaces where sandbox users can reach them: ${problems.join('; ')}. Set ${SANDBOX_DIR_VARIABLE} to a folder whose parents every user may pass through (chmod o+x)`,
  };
}
