import { describe, expect, it } from 'vitest';
import { decideAfterTurn, decideBudget, finishMessage, requestMaxTokens, sessionStatusFor } from './agent-decisions.js';

describe('agent loop decisions', () => {
  it('stops a run at its turn or token budget with a message that says which', () => {
    const budget = { maxTurns: 3, maxOutputTokens: 1000 };
    expect(decideBudget({ turns: 2, outputTokens: 999 }, budget)).toEqual({ kind: 'continue' });
    expect(decideBudget({ turns: 3, outputTokens: 0 }, budget)).toMatchObject({ kind: 'stop', message: expect.stringContaining('all 3 turns') });
    expect(decideBudget({ turns: 0, outputTokens: 1000 }, budget)).toMatchObject({ kind: 'stop', message: expect.stringContaining('1000 output tokens') });
  });

  it('never asks for more tokens than the run has left', () => {
    expect(requestMaxTokens({ maxTokensPerRequest: 500, maxOutputTokens: 1000 }, 0)).toBe(500);
    expect(requestMaxTokens({ maxTokensPerRequest: 500, maxOutputTokens: 1000 }, 800)).toBe(200);
    expect(requestMaxTokens({ maxTokensPerRequest: 500, maxOutputTokens: 1000 }, 1200)).toBe(1);
  });

  it('after a turn: an interrupt wins over tool calls, tool calls over ending', () => {
    expect(decideAfterTurn({ aborted: true, toolUseCount: 2 })).toEqual({ kind: 'close-interrupted' });
    expect(decideAfterTurn({ aborted: false, toolUseCount: 1 })).toEqual({ kind: 'run-tools' });
    expect(decideAfterTurn({ aborted: false, toolUseCount: 0 })).toEqual({ kind: 'turn-ended' });
    expect(finishMessage('max_tokens')).toContain('length limit');
  });

  it('shows a retrying or stopping run as running in the session list', () => {
    expect(['running', 'retrying', 'stopping'].map((state) => sessionStatusFor(state as 'running'))).toEqual(['running', 'running', 'running']);
    expect(sessionStatusFor('done')).toBe('done');
  });
});
