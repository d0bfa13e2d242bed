/**
 * Which session repos are GitHub repos, and where git pushes them. The server's operator names the
 * GitHub it works with (github.com or an Enterprise host); `gitUrl` is where git clones and pushes
 * (the web address by default; a mirror or a test's local folder otherwise).
 */
export interface GitHubHost {
  webUrl: string;
  apiUrl: string;
  gitUrl: string;
  /** GITHUB_TOKEN: pushes and opens PRs; absent, GitHub repos are committed but not pushed. */
  token?: string;
}

export interface GitHubRepo {
  owner: string;
  name: string;
}

/** GitHub's own rules for owner and repo names. */
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function ownerAndName(rest: string): GitHubRepo | null {
  const match = /^([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(rest);
  if (!match) return null;
  const [, owner, name] = match as unknown as [string, string, string];
  return OWNER.test(owner) && NAME.test(name) && name !== '.' && name !== '..' ? { owner, name } : null;
}

/** The GitHub repo a session's repo string names (https://github.com/o/r, git@github.com:o/r.git, the git URL's form), or null. */
export function parseGitHubRepo(repo: string, host: Pick<GitHubHost, 'webUrl' | 'gitUrl'>): GitHubRepo | null {
  for (const base of [host.gitUrl, host.webUrl].map(trimSlash)) {
    if (repo.startsWith(`${base}/`)) return ownerAndName(repo.slice(base.length + 1));
  }
  const webHost = (() => {
    try {
      return new URL(host.webUrl).hostname;
    } catch {
      return '';
    }
  })();
  const scp = /^git@([^:]+):(.+)$/.exec(repo);
  if (scp && webHost && scp[1] === webHost) return ownerAndName(scp[2]!);
  return null;
}

export function gitUrlOf(repo: GitHubRepo, host: Pick<GitHubHost, 'gitUrl'>): string {
  return `${trimSlash(host.gitUrl)}/${repo.owner}/${repo.name}.git`;
}

export const describeGitHubRepo = (repo: GitHubRepo, host: Pick<GitHubHost, 'webUrl'>) => `${trimSlash(host.webUrl).replace(/^[a-z]+:\/\//, '')}/${repo.owner}/${repo.name}`;
