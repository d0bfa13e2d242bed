import type { HostRule, NetworkPolicy } from './connection-policy.js';

/**
 * The hosts a repo's setup script may reach by default: the package registries of the ecosystems
 * the repo uses, known from the files at its top level. The operator replaces the list with
 * TANDEM_SETUP_HOSTS (where the word `auto` keeps these defaults alongside the hosts named).
 */

export const ECOSYSTEM_REGISTRIES: ReadonlyArray<{ ecosystem: string; marks: (name: string) => boolean; hosts: readonly string[] }> = [
  { ecosystem: 'npm', marks: (name) => name === 'package.json', hosts: ['registry.npmjs.org', 'registry.yarnpkg.com'] },
  {
    ecosystem: 'python',
    marks: (name) => /^requirements.*\.txt$/.test(name) || ['pyproject.toml', 'setup.py', 'setup.cfg', 'Pipfile', 'poetry.lock', 'uv.lock'].includes(name),
    hosts: ['pypi.org', 'files.pythonhosted.org'],
  },
  { ecosystem: 'cargo', marks: (name) => name === 'Cargo.toml', hosts: ['crates.io', 'index.crates.io', 'static.crates.io'] },
  { ecosystem: 'go', marks: (name) => name === 'go.mod', hosts: ['proxy.golang.org', 'sum.golang.org'] },
  { ecosystem: 'ruby', marks: (name) => name === 'Gemfile', hosts: ['rubygems.org', 'index.rubygems.org'] },
  { ecosystem: 'php', marks: (name) => name === 'composer.json', hosts: ['repo.packagist.org'] },
  { ecosystem: 'java', marks: (name) => ['pom.xml', 'build.gradle', 'build.gradle.kts'].includes(name), hosts: ['repo.maven.apache.org', 'repo1.maven.org'] },
];

/** The keyword in TANDEM_SETUP_HOSTS that keeps the ecosystem defaults. */
export const AUTO_SETUP_HOSTS = 'auto';

/** Pure: the registries of the ecosystems whose files are among `topLevelNames`. */
export function ecosystemHosts(topLevelNames: readonly string[]): string[] {
  const hosts = new Set<string>();
  for (const registry of ECOSYSTEM_REGISTRIES) if (topLevelNames.some(registry.marks)) registry.hosts.forEach((host) => hosts.add(host));
  return [...hosts];
}

/**
 * Pure: the setup policy of a repo. `configured` is the operator's TANDEM_SETUP_HOSTS (null when
 * unset: the ecosystem defaults); `approvedRepoHosts` the repo's own network.setup, only once approved;
 * `mirrorHosts` the hosts of the registry mirrors configured on the server, which join either list.
 */
export function decideSetupPolicy(topLevelNames: readonly string[], configured: readonly string[] | null, approvedRepoHosts: readonly string[], mirrorHosts: readonly string[] = []): NetworkPolicy {
  const listed = configured === null ? ecosystemHosts(topLevelNames) : configured.flatMap((host) => (host === AUTO_SETUP_HOSTS ? ecosystemHosts(topLevelNames) : [host]));
  const operator = [...listed, ...mirrorHosts];
  const rules: HostRule[] = [...new Set(operator)].map((pattern) => ({ pattern, source: 'operator' as const }));
  for (const pattern of approvedRepoHosts) rules.push({ pattern, source: 'repo' });
  return { phase: 'setup', rules };
}
