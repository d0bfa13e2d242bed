import { describe, expect, it } from 'vitest';
import { Scrollback } from './scrollback.js';
import { DEFAULT_TERMINAL_SIZE, decideTerminalSize } from './size-policy.js';

describe('decideTerminalSize', () => {
  const editor = (cols: number, rows: number) => ({ size: { cols, rows }, canType: true });
  const viewer = (cols: number, rows: number) => ({ size: { cols, rows }, canType: false });
  const current = { cols: 120, rows: 40 };
  it('takes the smallest columns and rows among the editors’ screens', () => {
    expect(decideTerminalSize([editor(120, 40), editor(80, 50)], DEFAULT_TERMINAL_SIZE)).toEqual({ cols: 80, rows: 40 });
  });
  it('never counts a viewer’s screen, however small', () => {
    expect(decideTerminalSize([editor(120, 40), viewer(10, 4)], DEFAULT_TERMINAL_SIZE)).toEqual({ cols: 120, rows: 40 });
  });
  it('keeps the size it has with only viewers, or editors who have not told their size', () => {
    expect(decideTerminalSize([viewer(10, 4), { size: null, canType: true }], current)).toEqual(current);
    expect(decideTerminalSize([], DEFAULT_TERMINAL_SIZE)).toEqual(DEFAULT_TERMINAL_SIZE);
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
