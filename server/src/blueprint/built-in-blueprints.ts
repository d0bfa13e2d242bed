import { blueprintSchema, DEFAULT_CI_ROUNDS, READ_ONLY_TOOLS, type Blueprint } from './blueprint-schema.js';

/** The blueprints every repo has; parsed with the same schema as a repo's own, so they obey the same rules. */
export const BUILT_IN_BLUEPRINTS: readonly Blueprint[] = [
  {
    name: 'implement',
    description: 'Implement the request, run the repo’s checks, fix what fails (at most 2 rounds), commit on a branch, push it, open a draft PR and fix CI (at most 2 CI rounds).',
    nodes: [
      { kind: 'agent', id: 'implement', title: 'Implement', goal: '{goal}' },
      { kind: 'checks', id: 'checks', title: 'Checks' },
      { kind: 'fix', id: 'fix', title: 'Fix failing checks', checks: 'checks' },
      { kind: 'commit', id: 'commit', title: 'Commit', message: '{goal}' },
      { kind: 'push', id: 'push', title: 'Push' },
      { kind: 'pull-request', id: 'pull-request', title: 'Draft pull request' },
      { kind: 'ci', id: 'ci', title: 'CI' },
      { kind: 'fix', id: 'fix-ci', title: 'Fix CI', checks: 'ci', maxRounds: DEFAULT_CI_ROUNDS - 1 },
    ],
  },
  {
    name: 'fix-tests',
    description: 'Run the checks first, fix until they pass or the bound is reached, commit, push and open a draft PR.',
    nodes: [
      { kind: 'checks', id: 'checks', title: 'Checks' },
      { kind: 'fix', id: 'fix', title: 'Fix failing checks', checks: 'checks' },
      { kind: 'commit', id: 'commit', title: 'Commit', message: 'Fix failing checks' },
      { kind: 'push', id: 'push', title: 'Push' },
      { kind: 'pull-request', id: 'pull-request', title: 'Draft pull request', pullRequestTitle: 'Fix failing checks' },
    ],
  },
  {
    name: 'ask',
    description: 'Answer a question about the code with read-only tools; nothing is changed or committed.',
    nodes: [{ kind: 'agent', id: 'answer', title: 'Answer', goal: '{goal}\n\n(Answer the question; do not change any file.)', tools: [...READ_ONLY_TOOLS] }],
  },
].map((blueprint) => blueprintSchema.parse(blueprint));

export const BUILT_IN_BLUEPRINT_NAMES = BUILT_IN_BLUEPRINTS.map((blueprint) => blueprint.name);

export function findBuiltInBlueprint(name: string): Blueprint | undefined {
  return BUILT_IN_BLUEPRINTS.find((blueprint) => blueprint.name === name);
}
