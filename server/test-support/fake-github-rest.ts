import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { json, readBody } from './fake-http.js';

/**
 * A local stand-in for the GitHub REST calls a blueprint run makes (tests only: there is no GitHub
 * here). Octokit is pointed at it with `baseUrl`; it answers in GitHub's shapes, checks the token,
 * records the pull requests opened, and serves whatever check runs, statuses, annotations and job
 * logs the test scripts for a commit.
 */
export interface FakeCheckRun {
  id: number;
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | null;
  output?: { title?: string; summary?: string };
  annotations?: Array<{ path: string; start_line: number; start_column?: number; annotation_level: 'failure' | 'warning' | 'notice'; message: string; title?: string }>;
  log?: string;
}

export interface FakePullRequest {
  number: number;
  owner: string;
  repo: string;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  html_url: string;
}

export interface FakeGitHubRest {
  url: string;
  token: string;
  pulls: FakePullRequest[];
  /** Every request: method, path, whether its token was right. */
  requests: Array<{ method: string; path: string; authorized: boolean }>;
  /** The CI a commit has: check runs (and commit statuses) answered for `GET …/commits/:sha/check-runs`. */
  setCi(answer: (sha: string) => { checkRuns: FakeCheckRun[]; statuses?: Array<{ context: string; state: string; description?: string }> }): void;
  /** The commits CI was asked about, in order (one entry per distinct sha). */
  ciShas(): string[];
  close(): Promise<void>;
}

export async function startFakeGitHubRest(options: { token: string; repos: Array<{ owner: string; name: string; defaultBranch: string }> }): Promise<FakeGitHubRest> {
  const pulls: FakePullRequest[] = [];
  const requests: FakeGitHubRest['requests'] = [];
  const askedShas: string[] = [];
  let ci: Parameters<FakeGitHubRest['setCi']>[0] = () => ({ checkRuns: [] });
  const runsById = new Map<number, FakeCheckRun>();
  let url = '';

  const server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? '/', 'http://fake').pathname;
      const query = new URL(request.url ?? '/', 'http://fake').searchParams;
      const authorized = [`token ${options.token}`, `Bearer ${options.token}`].includes(request.headers.authorization ?? '');
      requests.push({ method: request.method ?? 'GET', path, authorized });
      if (!authorized) return json(response, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
      const repo = repoMatch && options.repos.find((candidate) => candidate.owner === repoMatch[1] && candidate.name === repoMatch[2]);
      if (!repoMatch || !repo) return json(response, 404, { message: 'Not Found' });
      const rest = repoMatch[3] ?? '';
      const method = request.method ?? 'GET';
      if (method === 'GET' && rest === '') return json(response, 200, { name: repo.name, full_name: `${repo.owner}/${repo.name}`, default_branch: repo.defaultBranch });
      if (rest === '/pulls' && method === 'GET') {
        const head = query.get('head');
        const open = pulls.filter((pull) => pull.owner === repo.owner && pull.repo === repo.name && (!head || `${pull.owner}:${pull.head}` === head));
        return json(response, 200, open.map((pull) => ({ number: pull.number, html_url: pull.html_url, draft: pull.draft, state: 'open', title: pull.title, body: pull.body })));
      }
      if (rest === '/pulls' && method === 'POST') {
        const body = JSON.parse(await readBody(request)) as { title?: string; head?: string; base?: string; body?: string; draft?: boolean };
        if (!body.title || !body.head || !body.base) return json(response, 422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'missing_field' }] });
        if (pulls.some((pull) => pull.head === body.head && pull.owner === repo.owner)) return json(response, 422, { message: `A pull request already exists for ${repo.owner}:${body.head}.` });
        const number = pulls.length + 1;
        const pull: FakePullRequest = { number, owner: repo.owner, repo: repo.name, head: body.head, base: body.base, title: body.title, body: body.body ?? '', draft: body.draft ?? false, html_url: `${url}/${repo.owner}/${repo.name}/pull/${number}` };
        pulls.push(pull);
        return json(response, 201, { number, html_url: pull.html_url, draft: pull.draft, state: 'open', head: { ref: pull.head }, base: { ref: pull.base } });
      }
      const pullUpdate = /^\/pulls\/(\d+)$/.exec(rest);
      if (pullUpdate && method === 'PATCH') {
        const pull = pulls.find((candidate) => candidate.number === Number(pullUpdate[1]));
        if (!pull) return json(response, 404, { message: 'Not Found' });
        const body = JSON.parse(await readBody(request)) as { body?: string };
        if (body.body !== undefined) pull.body = body.body;
        return json(response, 200, { number: pull.number, html_url: pull.html_url, draft: pull.draft });
      }
      const checkRuns = /^\/commits\/([0-9a-f]{40})\/check-runs$/.exec(rest);
      if (checkRuns && method === 'GET') {
        const sha = checkRuns[1]!;
        if (!askedShas.includes(sha)) askedShas.push(sha);
        const answer = ci(sha);
        for (const run of answer.checkRuns) runsById.set(run.id, run);
        return json(response, 200, {
          total_count: answer.checkRuns.length,
          check_runs: answer.checkRuns.map((run) => ({ id: run.id, name: run.name, status: run.status, conclusion: run.conclusion, head_sha: sha, html_url: `${url}/runs/${run.id}`, output: { title: run.output?.title ?? null, summary: run.output?.summary ?? null, annotations_count: run.annotations?.length ?? 0 } })),
        });
      }
      const status = /^\/commits\/([0-9a-f]{40})\/status$/.exec(rest);
      if (status && method === 'GET') {
        const statuses = ci(status[1]!).statuses ?? [];
        const state = statuses.some((entry) => entry.state === 'failure' || entry.state === 'error') ? 'failure' : statuses.some((entry) => entry.state === 'pending') || statuses.length === 0 ? 'pending' : 'success';
        return json(response, 200, { state, sha: status[1], total_count: statuses.length, statuses: statuses.map((entry, index) => ({ id: index + 1, context: entry.context, state: entry.state, description: entry.description ?? null, target_url: null })) });
      }
      const annotations = /^\/check-runs\/(\d+)\/annotations$/.exec(rest);
      if (annotations && method === 'GET') return json(response, 200, runsById.get(Number(annotations[1]))?.annotations ?? []);
      const logs = /^\/actions\/jobs\/(\d+)\/logs$/.exec(rest);
      if (logs && method === 'GET') {
        const log = runsById.get(Number(logs[1]))?.log;
        if (log === undefined) return json(response, 404, { message: 'Not Found' });
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return response.end(log);
      }
      return json(response, 404, { message: 'Not Found' });
    })().catch((error: unknown) => json(response, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    token: options.token,
    pulls,
    requests,
    setCi: (answer) => (ci = answer),
    ciShas: () => [...askedShas],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
