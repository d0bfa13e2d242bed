import { describe, expect, it } from 'vitest';
import { DEFAULT_BLUEPRINTS, parseEvalFlags, selectTasks } from './eval-flags.js';

describe('npm run eval flags', () => {
  it('compares implement with and without its fix loop over every task by default', () => {
    expect(parseEvalFlags([])).toEqual({ ok: true, flags: { blueprints: [...DEFAULT_BLUEPRINTS], tasks: null, json: false, help: false } });
  });

  it('takes repeated and comma-separated names, each once, in order', () => {
    const parsed = parseEvalFlags(['--blueprint', 'implement', '--task', 'slugify,range-inclusive', '--task', 'slugify', '--json']);
    expect(parsed).toEqual({ ok: true, flags: { blueprints: ['implement'], tasks: ['slugify', 'range-inclusive'], json: true, help: false } });
  });

  it('says which name is wrong and where to look', () => {
    const parsed = parseEvalFlags(['--blueprint', 'implement,Bad Name']);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.message).toContain('--blueprint "Bad Name"');
    expect(parsed.message).toContain('lowercase letters');
    expect(parsed.message).toContain('npm run eval -- --help');
  });

  it('refuses an unknown flag or a flag without its value, pointing at --help', () => {
    for (const argv of [['--tasks', 'x'], ['--task'], ['slugify']]) {
      const parsed = parseEvalFlags(argv);
      expect(parsed.ok, argv.join(' ')).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain('--help');
    }
  });

  it('refuses an empty list', () => {
    const parsed = parseEvalFlags(['--task', ',']);
    expect(parsed).toMatchObject({ ok: false, message: expect.stringContaining('--task: name at least one') });
  });
});

describe('task selection', () => {
  const suite = [{ name: 'a' }, { name: 'b' }, { name: 'c' }];

  it('keeps suite order and names the known tasks when one is unknown', () => {
    expect(selectTasks(suite, ['c', 'a'])).toEqual({ ok: true, tasks: [{ name: 'a' }, { name: 'c' }] });
    expect(selectTasks(suite, null)).toEqual({ ok: true, tasks: suite });
    expect(selectTasks(suite, ['a', 'zz'])).toEqual({ ok: false, message: 'No task named "zz" in eval/tasks. Tasks: a, b, c.' });
  });
});
