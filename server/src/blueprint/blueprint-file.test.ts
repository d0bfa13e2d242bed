import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_BLUEPRINT_ALIASES, parseBlueprintFile } from './blueprint-file.js';

const FILE = '.tandem/blueprints/custom.yaml';

const problems = (text: string, file = FILE) => {
  const result = parseBlueprintFile(file, text);
  if (result.kind === 'valid') throw new Error('expected the file to be invalid');
  return result.problems;
};

describe('a repo blueprint file', () => {
  it('parses a valid YAML file with the built-ins’ schema (defaults filled in)', () => {
    const result = parseBlueprintFile(FILE, ['name: lint-first', 'nodes:', '  - kind: run', '    id: lint', '    title: Lint', '    command: npm run lint', ''].join('\n'));
    expect(result).toMatchObject({ kind: 'valid', blueprint: { name: 'lint-first', description: '', nodes: [{ kind: 'run', id: 'lint', command: 'npm run lint', timeoutMs: 300_000 }] } });
  });

  it('puts a schema problem on the line of the value that is wrong', () => {
    const text = [
      'name: custom', // 1
      'nodes:', // 2
      '  - kind: agent', // 3
      '    id: implement', // 4
      '    title: Implement', // 5
      '  - kind: fix', // 6
      '    id: fix', // 7
      '    title: Fix', // 8
      '    checks: implement', // 9
      '    maxRounds: 9', // 10
      '',
    ].join('\n');
    expect(problems(text)).toEqual([
      { file: FILE, line: 10, column: 16, message: 'nodes[1].maxRounds: Too big: expected number to be <=5' },
      { file: FILE, line: 9, column: 13, message: 'nodes[1].checks: "implement" must name a checks or ci node before this fix node' },
    ]);
  });

  it('names the line of an unknown node kind and of a key the schema does not know', () => {
    const text = ['name: custom', 'nodes:', '  - kind: deploy', '    id: ship', '    title: Ship', ''].join('\n');
    const [unknownKind] = problems(text);
    expect(unknownKind).toMatchObject({ line: 3, message: expect.stringContaining('nodes[0].kind: Invalid discriminator value') });

    const extraKey = ['name: custom', 'nodes:', '  - kind: run', '    id: lint', '    title: Lint', '    command: npm run lint', '    retries: 3', ''].join('\n');
    expect(problems(extraKey)[0]).toMatchObject({ line: 3, message: expect.stringContaining('retries') });
  });

  it('reports a missing key where its map starts, and a cross-node rule on the node it is about', () => {
    const missing = ['name: custom', 'nodes:', '  - kind: run', '    id: lint', '    title: Lint', ''].join('\n');
    expect(problems(missing)[0]).toMatchObject({ line: 3, message: expect.stringContaining('nodes[0].command') });

    const wrongTarget = ['name: custom', 'nodes:', '  - kind: agent', '    id: implement', '    title: Implement', '  - kind: fix', '    id: fix', '    title: Fix', '    checks: implement', ''].join('\n');
    expect(problems(wrongTarget)[0]).toMatchObject({ line: 9, message: 'nodes[1].checks: "implement" must name a checks or ci node before this fix node' });
  });

  it('gives YAML syntax errors and duplicate keys their line', () => {
    expect(problems('name: custom\nnodes: [\n  - kind: run\n')[0]).toMatchObject({ file: FILE, message: expect.stringMatching(/^not valid YAML: /) });
    expect(problems('name: custom\nname: again\nnodes: []\n')[0]).toMatchObject({ line: 2, message: expect.stringContaining('Map keys must be unique') });
  });

  it('reads JSON with line numbers too', () => {
    const json = JSON.stringify({ name: 'custom', nodes: [{ kind: 'commit', id: 'commit', title: 'Commit', message: '' }] }, null, 2);
    const [problem] = problems(json, '.tandem/blueprints/custom.json');
    expect(json.split('\n')[problem!.line - 1]).toContain('"message": ""');
    expect(problem!.message).toContain('nodes[0].message');
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level <= 8; level += 1) lines.push(`a${level}: &a${level} [${Array.from({ length: 10 }, () => `*a${level - 1}`).join(', ')}]`);
    lines.push('name: bomb', 'nodes: []');
    const [problem] = problems(lines.join('\n'));
    expect(problem!.message).toMatch(/alias/i);
    expect(MAX_BLUEPRINT_ALIASES).toBeLessThan(80);
  });
});

it('every blueprint the example repos ship is valid', () => {
  const files = readdirSync('examples').flatMap((example) => {
    const folder = path.join('examples', example, '.tandem/blueprints');
    try {
      return readdirSync(folder).map((name) => path.join(folder, name));
    } catch {
      return [];
    }
  });
  expect(files).toContain('examples/hello-tandem/.tandem/blueprints/plan-first.yaml');
  for (const file of files) expect(parseBlueprintFile(file, readFileSync(file, 'utf8')), file).toMatchObject({ kind: 'valid' });
});
