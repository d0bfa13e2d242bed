import { describe, expect, it } from 'vitest';
import { parseCopilotSetupSteps, parseCursorEnvironment, parseDevcontainer, shellWord, stepTitle } from './environment-files.js';

describe('devcontainer.json', () => {
  it('takes onCreate, updateContent and postCreate in lifecycle order, in string, array and object forms, with comments and trailing commas', () => {
    const parsed = parseDevcontainer(`{
      // the image is the team's business; Tandem takes the commands
      "image": "mcr.microsoft.com/devcontainers/typescript-node",
      "postCreateCommand": "npm ci && npm run build", /* after the others */
      "initializeCommand": "echo on the host: never",
      "postStartCommand": "echo each start: not setup",
      "onCreateCommand": ["pip", "install", "-r", "requirements dev.txt"],
      "updateContentCommand": { "deps": "pnpm install", "tools": ["go", "mod", "download"], },
    }`);
    expect(parsed).toEqual({
      ok: true,
      steps: [
        { kind: 'run', label: 'onCreateCommand (.devcontainer/devcontainer.json)', script: "pip install -r 'requirements dev.txt'" },
        { kind: 'run', label: 'updateContentCommand "deps" (.devcontainer/devcontainer.json)', script: 'pnpm install' },
        { kind: 'run', label: 'updateContentCommand "tools" (.devcontainer/devcontainer.json)', script: 'go mod download' },
        { kind: 'run', label: 'postCreateCommand (.devcontainer/devcontainer.json)', script: 'npm ci && npm run build' },
      ],
    });
  });

  it('has no steps when it names only an image, and says why a broken or ill-typed file is not followed', () => {
    expect(parseDevcontainer('{ "image": "node:20" }')).toEqual({ ok: true, steps: [] });
    expect(parseDevcontainer('{ "postCreateCommand": ')).toMatchObject({ ok: false, reason: expect.stringContaining('not valid JSON') });
    expect(parseDevcontainer('{ "postCreateCommand": 42 }')).toMatchObject({ ok: false, reason: expect.stringContaining('postCreateCommand') });
  });
});

describe('.cursor/environment.json', () => {
  it('takes install only (start and terminals belong to sessions)', () => {
    expect(parseCursorEnvironment('{ "install": "npm install", "start": "npm run dev", "terminals": [] }')).toEqual({
      ok: true,
      steps: [{ kind: 'run', label: 'install (.cursor/environment.json)', script: 'npm install' }],
    });
    expect(parseCursorEnvironment('{ "start": "x" }')).toEqual({ ok: true, steps: [] });
    expect(parseCursorEnvironment('{ "install": ["npm"] }')).toMatchObject({ ok: false });
  });
});

describe('copilot-setup-steps.yml', () => {
  const workflow = `
name: "Copilot Setup Steps"
on: workflow_dispatch
jobs:
  copilot-setup-steps:
    runs-on: ubuntu-latest
    steps:
      - name: Checkout code
        uses: actions/checkout@v5
      - uses: actions/setup-node@v4
        with: { node-version: "20" }
      - name: Install JavaScript dependencies
        run: npm ci
        env:
          FOO: "bar baz"
          TOKEN: \${{ secrets.TOKEN }}
      - run: |
          pip install -r requirements.txt
          echo done
        working-directory: tools
  other-job:
    steps:
      - run: echo never
`;

  it('runs the run: steps of job copilot-setup-steps in order, with plain env and working-directory; uses: steps are skipped', () => {
    expect(parseCopilotSetupSteps(workflow)).toEqual({
      ok: true,
      steps: [
        { kind: 'skipped', label: 'Checkout code (.github/workflows/copilot-setup-steps.yml)', reason: 'uses: actions/checkout@v5 is a GitHub Action; Tandem runs only run: steps' },
        { kind: 'skipped', label: 'uses: actions/setup-node@v4 (.github/workflows/copilot-setup-steps.yml)', reason: 'uses: actions/setup-node@v4 is a GitHub Action; Tandem runs only run: steps' },
        { kind: 'run', label: 'Install JavaScript dependencies (.github/workflows/copilot-setup-steps.yml)', script: "export FOO='bar baz'\nnpm ci" },
        { kind: 'run', label: 'step 4 (.github/workflows/copilot-setup-steps.yml)', script: 'cd -- tools\npip install -r requirements.txt\necho done\n' },
      ],
    });
  });

  it('is not followed without the job, or when it is not YAML', () => {
    expect(parseCopilotSetupSteps('jobs:\n  build:\n    steps: []\n')).toMatchObject({ ok: false, reason: expect.stringContaining('copilot-setup-steps') });
    expect(parseCopilotSetupSteps('jobs: [\n')).toMatchObject({ ok: false, reason: expect.stringContaining('not valid YAML') });
  });
});

it('quotes words for bash only where needed', () => {
  expect(shellWord('plain/path-1.txt')).toBe('plain/path-1.txt');
  expect(shellWord("it's $(rm -rf /)")).toBe(`'it'\\''s $(rm -rf /)'`);
});

it('a step name from the repo becomes one bounded line of progress', () => {
  expect(stepTitle('Install\n\u001b[2Jeverything\r')).toBe('Install [2Jeverything');
  expect(stepTitle('x'.repeat(500))).toHaveLength(120);
});
