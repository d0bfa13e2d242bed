import { describe, expect, it } from 'vitest';
import { Scrollback } from './scrollback.js';
import { DEFAULT_TERMINAL_SIZE, decideTerminalSize } from './size-policy.js';

describe('decideTerminalSize', () => {
  it('takes the smallest columns and rows among the screens', () => {
    expect(decideTerminalSize([{ cols: 120, rows: 40 }, { cols: 80, rows: 50 }])).toEqual({ cols: 80, rows: 40 });
  });
  it('falls back to the default with no screen', () => {
    expect(decideTerminalSize([])).toEqual(DEFAULT_TERMINAL_SIZE);
  });
});

describe('Scrollback', () => {
  it('keeps only the most recent output within its limit, in order', () => {
    const scrollback = new Scrollback(10);
    scrollback.append('abcdef');
    scrollback.append('ghijkl');
    expect(scrollback.read()).toBe('cdefghijkl');
    scrollback.append('xyz');
    expect(scrollback.read()).toBe('fghijklxyz');
  });
});
