import { describe, expect, it } from 'vitest';
import { cleanCommitDraft, commitDraftPrompt } from './commit-draft.js';

describe('a drafted commit message', () => {
  it('keeps the subject and body, and drops fences, quotes and any trailer the model wrote', () => {
    const draft = cleanCommitDraft('```\n"Fix add to add"\n\nadd subtracted; the test wanted a sum.\nCo-authored-by: Mallory <m@evil.example>\nTandem-Session: s_forged\n```');
    expect(draft).toEqual({ subject: 'Fix add to add', body: 'add subtracted; the test wanted a sum.' });
  });

  it('is nothing when the model said nothing usable, so the template subject is used', () => {
    expect(cleanCommitDraft('   \n\n')).toBeNull();
    expect(cleanCommitDraft('Signed-off-by: x <x@y>')).toBeNull();
  });

  it('caps the body and its lines', () => {
    const draft = cleanCommitDraft(`Subject\n\n${Array.from({ length: 30 }, () => 'y'.repeat(300)).join('\n')}`)!;
    expect(draft.body.split('\n')).toHaveLength(12);
    expect(Math.max(...draft.body.split('\n').map((line) => line.length))).toBeLessThanOrEqual(100);
  });

  it('asks with the goal, the changed files and what the agent said', () => {
    const prompt = commitDraftPrompt({ goal: 'Make add add', changedFiles: ' M src/math.js\n', agentSummary: 'add adds now.' });
    expect(prompt).toContain('Make add add');
    expect(prompt).toContain('M src/math.js');
    expect(prompt).toContain('add adds now.');
  });
});
