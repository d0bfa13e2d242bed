import { realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a session's repo may come from. The repo string is hostile input: the server copies or
 * clones it as root into a snapshot that the session's sandboxes read and write. So a local repo is
 * judged by its real path (every link resolved), must lie under a TANDEM_REPO_ROOTS entry, and may
 * never be, contain or lie inside Tandem's data dir (the store with the identity signing key, every
 * snapshot and every session's workspace). A string git would read as an option or as a transport
 * that runs commands is refused before git ever sees it.
 */

export const REPO_ROOTS_VARIABLE = 'TANDEM_REPO_ROOTS';
/** Remote URL schemes a repo may use; everything else with a scheme is refused. */
export const REMOTE_REPO_SCHEMES = ['https', 'http', 'ssh', 'git'] as const;
/** Transports git may use when it fetches a remote repo (GIT_ALLOW_PROTOCOL): never ext or fd. */
export const REMOTE_GIT_PROTOCOLS = 'https:http:ssh:git';
/** The one transport git may use when it clones a local repo named by a file:// URL. */
export const LOCAL_GIT_PROTOCOLS = 'file';

/** A repo the server may not use, with a message for the person who named it. */
export class RepoRefusedError extends Error {}

/** What a repo string names, read from its text alone. */
export type RepoReference =
  | { kind: 'remote'; url: string }
  | { kind: 'local'; path: string; form: 'path' | 'file-url' }
  | { kind: 'refused'; reason: string };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** git's `<transport>::<address>` form (ext::, fd::, …): a remote helper, some of which run commands. */
const TRANSPORT_PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*)::/;
/** scp-like `user@host:path`, as git reads it (the host must not look like an option). */
const SCP_LIKE = /^[\w.-]+@([\w.-]+):/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

const ALLOWED_FORMS = `an https://, ssh:// or git@host:path URL, a file:// URL or a folder under ${REPO_ROOTS_VARIABLE}`;

/** Pure: what a repo string names. Relative paths are read against `cwd` (the server's). */
export function parseRepoReference(repo: string, cwd: string): RepoReference {
  if (repo.trim() === '') return { kind: 'refused', reason: `The repo is empty; give ${ALLOWED_FORMS}` };
  if (CONTROL_CHARACTERS.test(repo)) return { kind: 'refused', reason: 'The repo contains control characters' };
  if (repo.startsWith('-')) {
    return { kind: 'refused', reason: `The repo "${repo}" starts with "-", which git would read as an option; give ${ALLOWED_FORMS}` };
  }
  const transport = TRANSPORT_PREFIX.exec(repo);
  if (transport) {
    return { kind: 'refused', reason: `The repo uses git's "${transport[1]}::" transport, which can run commands on the server; give ${ALLOWED_FORMS}` };
  }
  const scheme = SCHEME.exec(repo)?.[1]?.toLowerCase();
  if (scheme === 'file') {
    try {
      // Only file:///path (or file://localhost/path): a host would make git reach another machine.
      return { kind: 'local', path: fileURLToPath(new URL(repo)), form: 'file-url' };
    } catch {
      return { kind: 'refused', reason: `The repo "${repo}" is not a file:// URL of a folder on this machine (file:///path/to/repo)` };
    }
  }
  if (scheme !== undefined) {
    if (!(REMOTE_REPO_SCHEMES as readonly string[]).includes(scheme)) {
      return { kind: 'refused', reason: `The repo's scheme "${scheme}://" is not supported (only ${REMOTE_REPO_SCHEMES.join(', ')} and file); give ${ALLOWED_FORMS}` };
    }
    let host: string;
    try {
      host = new URL(repo).hostname;
    } catch {
      return { kind: 'refused', reason: `The repo "${repo}" is not a valid URL` };
    }
    if (host === '' || host.startsWith('-')) return { kind: 'refused', reason: `The repo URL's host "${host}" is not a host name` };
    return { kind: 'remote', url: repo };
  }
  const scpHost = SCP_LIKE.exec(repo)?.[1];
  if (scpHost !== undefined) {
    if (scpHost.startsWith('-')) return { kind: 'refused', reason: `The repo's host "${scpHost}" would be read as an option by ssh` };
    return { kind: 'remote', url: repo };
  }
  // Local paths never reach git as a URL (they are copied), so a ':' in one is just a character.
  return { kind: 'local', path: path.resolve(cwd, repo), form: 'path' };
}

export type RepoPathDecision = { kind: 'allowed' } | { kind: 'refused'; reason: string };

const isInside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : `${parent}${path.sep}`);

/**
 * Pure: whether a local repo, by its real path, may be snapshotted. `realRoots` and `protectedDirs`
 * are real paths too. `shownPath` is the path as the person gave it (for the message).
 */
export function decideRepoPath(input: {
  shownPath: string;
  realPath: string;
  /** What is at the real path; a path that does not exist is judged by where it would be. */
  entry: 'directory' | 'other' | 'missing';
  realRoots: readonly string[];
  protectedDirs: readonly string[];
  /** Home folders (the server user's): never a repo as a whole, since they hold keys and tokens. */
  homeDirs?: readonly string[];
}): RepoPathDecision {
  const { shownPath, realPath } = input;
  const named = realPath === shownPath ? shownPath : `${shownPath} (really ${realPath})`;
  const protectedDir = input.protectedDirs.find((dir) => isInside(realPath, dir) || isInside(dir, realPath));
  if (protectedDir !== undefined) {
    return {
      kind: 'refused',
      reason: `Repo path ${named} is, holds or lies inside Tandem's data dir (${protectedDir}: the store, snapshots and every session's workspace), which can never be a repo; use a folder beside it`,
    };
  }
  const homeDir = (input.homeDirs ?? []).find((dir) => isInside(dir, realPath));
  if (homeDir !== undefined) {
    return { kind: 'refused', reason: `Repo path ${named} is or holds the home folder ${homeDir} (keys, tokens, shell history); give the repo's own folder` };
  }
  const root = input.realRoots.find((candidate) => isInside(realPath, candidate));
  if (root === undefined) {
    const roots = input.realRoots.length > 0 ? input.realRoots.join(', ') : 'none';
    return {
      kind: 'refused',
      reason: `Repo path ${named} is outside the allowed repo roots (${roots}); links are followed before this check. To allow it, add its folder to ${REPO_ROOTS_VARIABLE} (a comma list) and restart the server`,
    };
  }
  const hidden = path.relative(root, realPath).split(path.sep).find((part) => part.startsWith('.'));
  if (hidden !== undefined) {
    return {
      kind: 'refused',
      reason: `Repo path ${named} lies in the hidden folder "${hidden}" (where ~/.ssh, ~/.aws and tool credentials live), which can never be a repo; give a folder that is not hidden`,
    };
  }
  switch (input.entry) {
    case 'directory':
      return { kind: 'allowed' };
    case 'missing':
      return { kind: 'refused', reason: `Repo path ${named} does not exist; give the repo's top folder` };
    case 'other':
      return { kind: 'refused', reason: `Repo path ${named} is not a folder; give the repo's top folder` };
    default:
      return input.entry satisfies never;
  }
}

/** Where the server may fetch a repo from: a remote URL for git, or a checked local folder by real path. */
export type ResolvedRepo = { kind: 'remote'; url: string } | { kind: 'local'; realPath: string; form: 'path' | 'file-url' };

export interface RepoPolicy {
  /** TANDEM_REPO_ROOTS: a local repo must lie under one of these (as real paths). */
  roots: readonly string[];
  /** Folders that hold server state (the data dir); no repo may be, hold or lie inside one. */
  protectedDirs: readonly string[];
  /** Relative repo paths are read against this; the server's cwd by default. */
  cwd?: string;
  /** Folders that may never be a repo as a whole; the server user's home by default. */
  homeDirs?: readonly string[];
}

/** The real path of `target`, or of its nearest existing ancestor joined with the rest (a dir not yet made). */
async function realPathOrNearest(target: string): Promise<string> {
  const absolute = path.resolve(target);
  try {
    return await realpath(absolute);
  } catch {
    const parent = path.dirname(absolute);
    if (parent === absolute) return absolute;
    return path.join(await realPathOrNearest(parent), path.basename(absolute));
  }
}

/**
 * Resolves a repo string under the policy, or throws RepoRefusedError saying what is allowed. The
 * caller must use `realPath` from here on, never the string again: the check holds for that path.
 */
export async function resolveRepo(repo: string, policy: RepoPolicy): Promise<ResolvedRepo> {
  const reference = parseRepoReference(repo, policy.cwd ?? process.cwd());
  switch (reference.kind) {
    case 'refused':
      throw new RepoRefusedError(reference.reason);
    case 'remote':
      return reference;
    case 'local': {
      const realRoots = (await Promise.all(policy.roots.map((root) => realpath(root).catch(() => null)))).filter((root): root is string => root !== null);
      const protectedDirs = await Promise.all(policy.protectedDirs.map(realPathOrNearest));
      // A path that does not exist is judged by where it would be: the roots are checked first, so a
      // refusal never tells whether something exists outside them.
      const real = await realpath(reference.path).catch(() => null);
      const stats = real === null ? null : await stat(real).catch(() => null);
      const decision = decideRepoPath({
        shownPath: reference.path,
        realPath: real ?? (await realPathOrNearest(reference.path)),
        entry: stats === null ? 'missing' : stats.isDirectory() ? 'directory' : 'other',
        realRoots,
        protectedDirs,
        homeDirs: await Promise.all((policy.homeDirs ?? [os.homedir()]).map(realPathOrNearest)),
      });
      if (decision.kind === 'refused') throw new RepoRefusedError(decision.reason);
      // Allowed means it exists; this only narrows the type.
      if (real === null) throw new RepoRefusedError(`Repo path ${reference.path} does not exist`);
      return { kind: 'local', realPath: real, form: reference.form };
    }
    default:
      return reference satisfies never;
  }
}
