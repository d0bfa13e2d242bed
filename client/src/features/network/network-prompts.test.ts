import { describe, expect, it } from 'vitest';
import type { NetworkDenial } from '@tandem/shared/doc/schema.js';
import { decideShownDenials, MAX_SHOWN_DENIALS } from './network-prompts.js';

const denial = (host: string, extra: Partial<NetworkDenial> = {}): NetworkDenial => ({ host, port: 443, phase: 'session', reason: 'not in the policy', attempts: 1, lastAt: 1, ...extra });

describe('which refusals the session page asks about', () => {
  it('shows the session’s open refusals, newest first as given, a few at a time', () => {
    const denials = ['a.test', 'b.test', 'c.test', 'd.test', 'e.test'].map((host) => denial(host));
    const { shown, more } = decideShownDenials(denials, new Set());
    expect(shown.map((entry) => entry.host)).toEqual(['a.test', 'b.test', 'c.test'].slice(0, MAX_SHOWN_DENIALS));
    expect(more).toBe(2);
  });
  it('leaves out what an editor allowed, what this person dismissed, and setup’s refusals', () => {
    const denials = [denial('allowed.test', { allowedBy: 'Ada' }), denial('dismissed.test'), denial('setup.test', { phase: 'setup' }), denial('open.test')];
    expect(decideShownDenials(denials, new Set(['dismissed.test:443']))).toEqual({ shown: [denial('open.test')], more: 0 });
  });
});
