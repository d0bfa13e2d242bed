/**
 * Where a run's branch goes: the seam between the push node and the places a repo can live. Two
 * implementations: a local repo on this machine (the branch is fetched into it, never onto its
 * checked-out branch) and a GitHub repo (pushed with the server's token).
 */
export interface PushRequest {
  branch: string;
  /** The commit the session started from: the origin must hold it (the push checks there, never in a sandbox). */
  baseSha: string;
  /** The commit to ship, made by the server, and the session's commit store that holds it. */
  sha: string;
  store: string;
  signal?: AbortSignal;
}

/** `sha`: the branch's tip as the server's own git read it after the push: the commit it was asked to ship. */
export type PushOutcome = { kind: 'pushed'; remote: string; sha: string } | { kind: 'failed'; reason: string };

export interface PushTarget {
  readonly kind: 'local-repo' | 'github';
  /** How people see the place ("the local repo /home/ada/app", "github.com/acme/app"). */
  readonly remote: string;
  push(request: PushRequest): Promise<PushOutcome>;
}
