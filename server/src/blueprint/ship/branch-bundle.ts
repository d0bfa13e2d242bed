import type { Sandbox } from '../../sandbox/provider.js';

/**
 * The commits a run made, carried out of the sandbox as a git bundle (the branch's history since the
 * commit the session started from), so the push happens on the server and no credential ever enters
 * the sandbox. The bundle is sandbox output: it is size-capped here and fsck-checked when fetched.
 */
export const MAX_PUSH_BUNDLE_BYTES = 64 * 1024 * 1024;
const BUNDLE_TIMEOUT_MS = 120_000;
/** base64 is 4 characters per 3 bytes, plus a little for the line it may end with. */
const MAX_BUNDLE_OUTPUT_BYTES = Math.ceil(MAX_PUSH_BUNDLE_BYTES / 3) * 4 + 16;

export type BundleOutcome = { kind: 'bundle'; bytes: Buffer; tipSha: string } | { kind: 'failed'; reason: string };

const GIT = `git -c safe.directory='*' -c core.hooksPath=/dev/null -c core.fsmonitor=false`;

/** A branch and a commit as git check-ref-format and rev-parse would accept them, so neither can be an option. */
const SAFE_BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$/;
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export async function bundleBranch(sandbox: Sandbox, request: { branch: string; baseSha: string }, signal?: AbortSignal): Promise<BundleOutcome> {
  if (!SAFE_BRANCH.test(request.branch) || request.branch.includes('..')) return { kind: 'failed', reason: `"${request.branch}" is not a branch name Tandem pushes` };
  if (!SHA.test(request.baseSha)) return { kind: 'failed', reason: 'The commit the session started from is unknown, so the new commits cannot be told apart' };
  const tip = await sandbox.exec(`${GIT} rev-parse --verify refs/heads/${request.branch}`, { signal, timeoutMs: BUNDLE_TIMEOUT_MS });
  const tipSha = tip.stdout.trim();
  if (tip.exitCode !== 0 || !SHA.test(tipSha)) return { kind: 'failed', reason: `The branch ${request.branch} is not in the workspace any more` };
  if (tipSha === request.baseSha) return { kind: 'failed', reason: `The branch ${request.branch} has no commit of its own to push` };
  // Bundled to a file first: a failing `git bundle` must not look like an empty, valid stream.
  const bundle = await sandbox.exec(
    `set -e; file=$(mktemp /tmp/tandem-push.XXXXXX); ${GIT} bundle create -q "$file" refs/heads/${request.branch} --not ${request.baseSha} && base64 -w0 "$file"; rm -f "$file"`,
    { signal, timeoutMs: BUNDLE_TIMEOUT_MS, maxOutputBytes: MAX_BUNDLE_OUTPUT_BYTES },
  );
  if (bundle.truncated) return { kind: 'failed', reason: `The new commits are larger than ${MAX_PUSH_BUNDLE_BYTES / 1024 / 1024} MiB; push them by hand` };
  if (bundle.exitCode !== 0 || bundle.timedOut) return { kind: 'failed', reason: `git bundle failed: ${(bundle.stderr || bundle.stdout).trim().slice(-300) || 'timed out'}` };
  const bytes = Buffer.from(bundle.stdout.trim(), 'base64');
  if (bytes.length === 0) return { kind: 'failed', reason: 'git bundle produced nothing' };
  return { kind: 'bundle', bytes, tipSha };
}
