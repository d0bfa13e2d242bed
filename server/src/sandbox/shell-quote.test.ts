import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { shellQuote } from './shell-quote.js';

it('passes any value to the shell as one literal word', () => {
  for (const value of ["it's", '$(rm -rf /)', '`id`', 'a b\n"c"', '*', '-e', "''"]) {
    expect(execFileSync('bash', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' })).toBe(value);
  }
});
