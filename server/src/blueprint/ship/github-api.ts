import { Octokit } from '@octokit/rest';
import { outputTail } from '../checks/parse-check-output.js';
import type { CiAnnotation, CiCheckRun, CiSnapshot } from './ci-reading.js';
import type { GitHubRepo } from './github-repo.js';

/** Check runs read per commit, and failure details fetched per failed job (annotations, log tail). */
const MAX_CHECK_RUNS = 100;
const MAX_ANNOTATIONS = 50;
const LOG_TAIL_LINES = 60;
const LOG_TAIL_CHARS = 4_000;

export interface PullRequestRef {
  number: number;
  url: string;
  draft: boolean;
  /** False when a PR for the branch was open already (its body is brought up to date instead). */
  created: boolean;
}

export interface PullRequestRequest {
  repo: GitHubRepo;
  branch: string;
  title: string;
  body: string;
  draft: boolean;
}

/** The GitHub REST calls a run makes, through Octokit (the API URL is the operator's: github.com, Enterprise, or a test's fake). */
export function createGitHubApi(options: { apiUrl: string; token: string }) {
  const octokit = new Octokit({ auth: options.token, baseUrl: options.apiUrl.replace(/\/+$/, ''), userAgent: 'tandem' });
  const at = (repo: GitHubRepo) => ({ owner: repo.owner, repo: repo.name });

  return {
    async openDraftPullRequest(request: PullRequestRequest): Promise<PullRequestRef> {
      const open = await octokit.rest.pulls.list({ ...at(request.repo), head: `${request.repo.owner}:${request.branch}`, state: 'open', per_page: 1 });
      const existing = open.data[0];
      if (existing) {
        await octokit.rest.pulls.update({ ...at(request.repo), pull_number: existing.number, body: request.body });
        return { number: existing.number, url: existing.html_url, draft: existing.draft ?? false, created: false };
      }
      // Snapshots clone the default branch, so that is what the run's branch grew from (never what the workspace claims).
      const base = (await octokit.rest.repos.get(at(request.repo))).data.default_branch;
      const created = await octokit.rest.pulls.create({ ...at(request.repo), head: request.branch, base, title: request.title, body: request.body, draft: request.draft });
      return { number: created.data.number, url: created.data.html_url, draft: created.data.draft ?? request.draft, created: true };
    },

    async readCi(repo: GitHubRepo, sha: string): Promise<CiSnapshot> {
      const [runs, combined] = await Promise.all([
        octokit.rest.checks.listForRef({ ...at(repo), ref: sha, per_page: MAX_CHECK_RUNS }),
        octokit.rest.repos.getCombinedStatusForRef({ ...at(repo), ref: sha, per_page: MAX_CHECK_RUNS }),
      ]);
      return {
        checkRuns: runs.data.check_runs.map((run) => ({
          id: run.id,
          name: run.name,
          status: run.status,
          conclusion: run.conclusion,
          url: run.html_url ?? undefined,
          summary: [run.output.title, run.output.summary].filter(Boolean).join(': ') || undefined,
        })),
        statuses: combined.data.statuses.map((status) => ({ context: status.context, state: status.state, description: status.description ?? undefined, url: status.target_url ?? undefined })),
      };
    },

    /** A failed job's annotations and, for a GitHub Actions job, the tail of its log; what GitHub will not give is left out. */
    async failureDetails(repo: GitHubRepo, run: CiCheckRun): Promise<{ annotations: CiAnnotation[]; logTail?: string }> {
      const annotations = await octokit.rest.checks
        .listAnnotations({ ...at(repo), check_run_id: run.id, per_page: MAX_ANNOTATIONS })
        .then((response) =>
          response.data.map((annotation) => ({
            path: annotation.path,
            startLine: annotation.start_line ?? undefined,
            startColumn: annotation.start_column ?? undefined,
            level: annotation.annotation_level ?? 'notice',
            message: annotation.message ?? '',
            title: annotation.title ?? undefined,
          })),
        )
        .catch(() => []);
      // An Actions job's id is its check run's id; other apps' runs have no log here.
      const logTail = await octokit.rest.actions
        .downloadJobLogsForWorkflowRun({ ...at(repo), job_id: run.id })
        .then((response) => (typeof response.data === 'string' ? outputTail(response.data, LOG_TAIL_LINES, LOG_TAIL_CHARS) : undefined))
        .catch(() => undefined);
      return { annotations, logTail };
    },
  };
}
export type GitHubApi = ReturnType<typeof createGitHubApi>;
