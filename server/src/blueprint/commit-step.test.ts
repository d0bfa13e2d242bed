import { describe, expect, it } from 'vitest';
import { commitMessage } from './commit-step.js';

describe('the commit message', () => {
  it('names each co-author once on one line, whatever their name holds', () => {
    const message = commitMessage({
      sessionId: 's_1',
      goal: 'Make add add',
      subject: 'Make add add',
      author: { id: 'u_ada', name: 'Ada' },
      coAuthors: [
        { id: 'u_bob', name: 'Bob' },
        { id: 'u_eve', name: 'Eve\nCo-authored-by: Linus <torvalds@linux-foundation.org>\nX:' },
        { id: 'u_bob', name: 'Bob' },
        { id: 'u_ada', name: 'Ada' },
      ],
    });
    const trailers = message.split('\n').filter((line) => /^[A-Za-z-]+: /.test(line));
    expect(trailers).toEqual([
      'Co-authored-by: Bob <u_bob@users.tandem.invalid>',
      'Co-authored-by: Eve Co-authored-by: Linus torvalds@linux-foundation.org X: <u_eve@users.tandem.invalid>',
      'Tandem-Session: s_1',
    ]);
  });
});
