import { z } from 'zod';

/**
 * How a person arranged the session page: the widths of the side columns and how each column is
 * split between its two panels. Kept per person in this browser (localStorage), so everyone can
 * give the terminal or the editor the room they want without changing it for the others.
 */
export interface PanelLayout {
  leftWidthPx: number;
  rightWidthPx: number;
  /** Share of the left column the plan takes (the files panel takes the rest). */
  planShare: number;
  /** Share of the right column the terminal takes (the editor takes the rest). */
  terminalShare: number;
}

export const DEFAULT_PANEL_LAYOUT: PanelLayout = { leftWidthPx: 300, rightWidthPx: 500, planShare: 0.5, terminalShare: 0.42 };

export const MIN_LEFT_WIDTH_PX = 200;
export const MAX_LEFT_WIDTH_PX = 640;
export const MIN_RIGHT_WIDTH_PX = 300;
export const MAX_RIGHT_WIDTH_PX = 1600;
/** The conversation never gets narrower than this while the columns sit side by side. */
export const MIN_CENTER_WIDTH_PX = 300;
export const MIN_PANEL_SHARE = 0.12;
export const MAX_PANEL_SHARE = 0.88;
/** How far one arrow-key press moves a handle. */
export const KEYBOARD_STEP_PX = 24;
export const KEYBOARD_STEP_SHARE = 0.04;

const STORAGE_KEY_PREFIX = 'tandem.layout.v1.';

const storedLayoutSchema = z.object({
  leftWidthPx: z.number(),
  rightWidthPx: z.number(),
  planShare: z.number(),
  terminalShare: z.number(),
});

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Any layout brought within bounds (a stored one may come from an older version or a hand edit). */
export function clampPanelLayout(layout: PanelLayout): PanelLayout {
  return {
    leftWidthPx: Math.round(clamp(layout.leftWidthPx, MIN_LEFT_WIDTH_PX, MAX_LEFT_WIDTH_PX)),
    rightWidthPx: Math.round(clamp(layout.rightWidthPx, MIN_RIGHT_WIDTH_PX, MAX_RIGHT_WIDTH_PX)),
    planShare: clamp(layout.planShare, MIN_PANEL_SHARE, MAX_PANEL_SHARE),
    terminalShare: clamp(layout.terminalShare, MIN_PANEL_SHARE, MAX_PANEL_SHARE),
  };
}

/** The layout stored under a person's key, or the default when there is none or it does not parse. */
export function parseStoredLayout(raw: string | null): PanelLayout {
  if (!raw) return DEFAULT_PANEL_LAYOUT;
  try {
    const parsed = storedLayoutSchema.safeParse(JSON.parse(raw));
    return parsed.success ? clampPanelLayout(parsed.data) : DEFAULT_PANEL_LAYOUT;
  } catch {
    return DEFAULT_PANEL_LAYOUT;
  }
}

export function layoutStorageKey(userId: string): string {
  return `${STORAGE_KEY_PREFIX}${userId}`;
}

/**
 * A side column's new width while its handle is dragged: from its width when the drag started,
 * within its own bounds and never squeezing the conversation below its minimum.
 */
export function decideColumnWidth(input: { startWidthPx: number; deltaPx: number; min: number; max: number; availablePx: number }): number {
  const widest = Math.max(input.min, Math.min(input.max, input.availablePx - MIN_CENTER_WIDTH_PX));
  return Math.round(clamp(input.startWidthPx + input.deltaPx, input.min, widest));
}

/** A column's split while its handle is dragged: the first panel's share of the column's height. */
export function decidePanelShare(input: { startShare: number; deltaPx: number; columnHeightPx: number }): number {
  if (input.columnHeightPx <= 0) return clamp(input.startShare, MIN_PANEL_SHARE, MAX_PANEL_SHARE);
  return clamp(input.startShare + input.deltaPx / input.columnHeightPx, MIN_PANEL_SHARE, MAX_PANEL_SHARE);
}
