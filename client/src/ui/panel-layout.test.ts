import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PANEL_LAYOUT,
  decideColumnWidth,
  decidePanelShare,
  MAX_PANEL_SHARE,
  MIN_CENTER_WIDTH_PX,
  MIN_LEFT_WIDTH_PX,
  MIN_PANEL_SHARE,
  MIN_RIGHT_WIDTH_PX,
  parseStoredLayout,
} from './panel-layout.js';

describe('parseStoredLayout', () => {
  it('reads back what a person stored', () => {
    const layout = { leftWidthPx: 320, rightWidthPx: 700, planShare: 0.3, terminalShare: 0.7 };
    expect(parseStoredLayout(JSON.stringify(layout))).toEqual(layout);
  });

  it('falls back to the default for nothing, garbage or the wrong shape', () => {
    for (const raw of [null, '', '{not json', '[]', JSON.stringify({ leftWidthPx: 'wide' })]) {
      expect(parseStoredLayout(raw)).toEqual(DEFAULT_PANEL_LAYOUT);
    }
  });

  it('brings a stored layout within bounds, so no panel can be dragged out of reach for good', () => {
    const layout = parseStoredLayout(JSON.stringify({ leftWidthPx: 0, rightWidthPx: -50, planShare: 5, terminalShare: -1 }));
    expect(layout).toEqual({ leftWidthPx: MIN_LEFT_WIDTH_PX, rightWidthPx: MIN_RIGHT_WIDTH_PX, planShare: MAX_PANEL_SHARE, terminalShare: MIN_PANEL_SHARE });
  });
});

describe('decideColumnWidth', () => {
  it('follows the drag within the column bounds', () => {
    expect(decideColumnWidth({ startWidthPx: 500, deltaPx: 120, min: 300, max: 1600, availablePx: 1200 })).toBe(620);
    expect(decideColumnWidth({ startWidthPx: 500, deltaPx: -400, min: 300, max: 1600, availablePx: 1200 })).toBe(300);
  });

  it('never squeezes the conversation below its minimum', () => {
    expect(decideColumnWidth({ startWidthPx: 500, deltaPx: 5000, min: 300, max: 1600, availablePx: 1000 })).toBe(1000 - MIN_CENTER_WIDTH_PX);
  });
});

describe('decidePanelShare', () => {
  it('moves the split by the dragged fraction of the column, within bounds', () => {
    expect(decidePanelShare({ startShare: 0.4, deltaPx: 200, columnHeightPx: 1000 })).toBeCloseTo(0.6);
    expect(decidePanelShare({ startShare: 0.4, deltaPx: 2000, columnHeightPx: 1000 })).toBe(MAX_PANEL_SHARE);
    expect(decidePanelShare({ startShare: 0.4, deltaPx: -2000, columnHeightPx: 1000 })).toBe(MIN_PANEL_SHARE);
  });
});
