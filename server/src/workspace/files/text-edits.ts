import fastDiff from 'fast-diff';
import type * as Y from 'yjs';

/** Replace `base[start, end)` with `text`; edits of one list never overlap and are in order. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** The smallest character edits from `before` to `after` (Myers diff), as replace ranges on `before`. */
export function computeEdits(before: string, after: string): TextEdit[] {
  if (before === after) return [];
  const edits: TextEdit[] = [];
  let position = 0;
  let current: TextEdit | null = null;
  for (const [operation, text] of fastDiff(before, after)) {
    if (operation === fastDiff.EQUAL) {
      if (current) edits.push(current);
      current = null;
      position += text.length;
    } else if (operation === fastDiff.DELETE) {
      current ??= { start: position, end: position, text: '' };
      current.end += text.length;
      position += text.length;
    } else {
      current ??= { start: position, end: position, text: '' };
      current.text += text;
    }
  }
  if (current) edits.push(current);
  return edits;
}

export function applyEdits(text: string, edits: TextEdit[]): string {
  let result = text;
  for (const edit of [...edits].reverse()) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return result;
}

/** Applies edits to a Y.Text, last first so earlier offsets stay valid; cursors outside the edits stay put. */
export function applyEditsToYText(target: Y.Text, edits: TextEdit[]): void {
  for (const edit of [...edits].reverse()) {
    if (edit.end > edit.start) target.delete(edit.start, edit.end - edit.start);
    if (edit.text) target.insert(edit.start, edit.text);
  }
}

/**
 * Two sides changed the same base text at once: `ours` (already applied, e.g. a person typing in the
 * doc) and `theirs` (e.g. a command that rewrote the file). Returns `theirs` moved onto the text with
 * `ours` applied, merged the way the CRDT would: both sides' insertions stay, and base text either side
 * deleted goes. `conflicted` says the two touched the same region.
 */
export function rebaseEdits(ours: TextEdit[], theirs: TextEdit[]): { edits: TextEdit[]; conflicted: boolean } {
  let conflicted = false;
  // Where a base position lands once `ours` is applied; positions inside an edit of ours go to its end.
  const map = (position: number): number => {
    let shift = 0;
    for (const edit of ours) {
      if (edit.end <= position) shift += edit.text.length - (edit.end - edit.start);
      else if (edit.start < position) return edit.start + shift + edit.text.length;
      else break;
    }
    return position + shift;
  };
  const rebased: TextEdit[] = [];
  for (const edit of theirs) {
    const overlapping = ours.filter((mine) => mine.start < edit.end && edit.start < mine.end);
    const touching = ours.some((mine) => mine.start <= edit.end && edit.start <= mine.end);
    if (overlapping.length > 0 || (touching && edit.start !== edit.end)) conflicted ||= touching;
    // Delete only the base text outside our edits (what we deleted is gone; what we inserted stays).
    let cursor = edit.start;
    const segments: Array<[number, number]> = [];
    for (const mine of overlapping) {
      if (mine.start > cursor) segments.push([cursor, mine.start]);
      cursor = Math.max(cursor, mine.end);
    }
    if (cursor < edit.end) segments.push([cursor, edit.end]);
    const insertAt = map(edit.start);
    const pieces = segments.map(([from, to]) => ({ start: map(from), end: map(from) + (to - from), text: '' }));
    if (edit.text) {
      const first = pieces[0];
      if (first && first.start === insertAt) first.text = edit.text;
      else pieces.unshift({ start: insertAt, end: insertAt, text: edit.text });
    }
    rebased.push(...pieces);
  }
  rebased.sort((left, right) => left.start - right.start || left.end - right.end);
  return { edits: rebased, conflicted };
}
