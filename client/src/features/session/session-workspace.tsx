import { useRef, type CSSProperties, type ReactNode } from 'react';
import {
  decideColumnWidth,
  decidePanelShare,
  KEYBOARD_STEP_PX,
  KEYBOARD_STEP_SHARE,
  MAX_LEFT_WIDTH_PX,
  MAX_RIGHT_WIDTH_PX,
  MIN_LEFT_WIDTH_PX,
  MIN_RIGHT_WIDTH_PX,
  type PanelLayout,
} from '../../ui/panel-layout.js';
import { ResizeHandle } from '../../ui/resize-handle.js';
import { usePanelLayout } from '../../ui/use-panel-layout.js';

/**
 * The session page's panels: plan and files on the left, the conversation in the middle, terminal
 * and editor on the right. Every boundary has a drag handle; the sizes are this person's own and
 * are remembered in this browser. On narrow screens the columns stack, each with a fixed height,
 * and the split inside a column still moves.
 */
export function SessionWorkspace({
  userId,
  plan,
  files,
  conversation,
  terminal,
  editor,
}: {
  userId: string;
  plan: ReactNode;
  files: ReactNode;
  conversation: ReactNode;
  terminal: ReactNode;
  editor: ReactNode;
}) {
  const [layout, update] = usePanelLayout(userId);
  const workspaceRef = useRef<HTMLElement>(null);
  const leftRef = useRef<HTMLDivElement>(null);
  const rightRef = useRef<HTMLDivElement>(null);
  const dragStart = useRef({ leftWidthPx: 0, rightWidthPx: 0, planShare: 0, terminalShare: 0, leftHeightPx: 0, rightHeightPx: 0 });

  const noteStart = () => {
    const measure = (element: HTMLElement | null) => element?.getBoundingClientRect() ?? { width: 0, height: 0 };
    dragStart.current = {
      leftWidthPx: measure(leftRef.current).width || layout.leftWidthPx,
      rightWidthPx: measure(rightRef.current).width || layout.rightWidthPx,
      planShare: layout.planShare,
      terminalShare: layout.terminalShare,
      leftHeightPx: measure(leftRef.current).height,
      rightHeightPx: measure(rightRef.current).height,
    };
  };
  /** Room for both side columns and the conversation: the workspace minus its padding and handles. */
  const availableFor = (other: number) => {
    const workspace = workspaceRef.current;
    if (!workspace) return Infinity;
    const style = window.getComputedStyle(workspace);
    const handles = [...workspace.querySelectorAll<HTMLElement>(':scope > .resize-handle')].reduce((sum, handle) => sum + handle.getBoundingClientRect().width, 0);
    return workspace.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - handles - other;
  };

  const resizeLeft = (deltaPx: number) =>
    update({
      leftWidthPx: decideColumnWidth({ startWidthPx: dragStart.current.leftWidthPx, deltaPx, min: MIN_LEFT_WIDTH_PX, max: MAX_LEFT_WIDTH_PX, availablePx: availableFor(dragStart.current.rightWidthPx) }),
    });
  // The right column grows as its handle moves left.
  const resizeRight = (deltaPx: number) =>
    update({
      rightWidthPx: decideColumnWidth({ startWidthPx: dragStart.current.rightWidthPx, deltaPx: -deltaPx, min: MIN_RIGHT_WIDTH_PX, max: MAX_RIGHT_WIDTH_PX, availablePx: availableFor(dragStart.current.leftWidthPx) }),
    });
  const resizeSplit = (key: 'planShare' | 'terminalShare', heightKey: 'leftHeightPx' | 'rightHeightPx') => (deltaPx: number) =>
    update({ [key]: decidePanelShare({ startShare: dragStart.current[key], deltaPx, columnHeightPx: dragStart.current[heightKey] }) });
  const step = (apply: (deltaPx: number) => void, stepPx: number) => (direction: 1 | -1) => {
    noteStart();
    apply(direction * stepPx);
  };
  const shareStepPx = (heightPx: number) => Math.max(1, heightPx * KEYBOARD_STEP_SHARE);

  return (
    <main className="workspace" ref={workspaceRef} style={columnWidths(layout)} data-testid="workspace">
      <div className="column column-left" ref={leftRef} style={split(layout.planShare)}>
        {plan}
        <ResizeHandle
          orientation="horizontal"
          label="Resize plan and files"
          onStart={noteStart}
          onMove={resizeSplit('planShare', 'leftHeightPx')}
          onStep={(direction) => {
            noteStart();
            resizeSplit('planShare', 'leftHeightPx')(direction * shareStepPx(dragStart.current.leftHeightPx));
          }}
        />
        {files}
      </div>
      <ResizeHandle orientation="vertical" label="Resize the left column" className="column-handle" onStart={noteStart} onMove={resizeLeft} onStep={step(resizeLeft, KEYBOARD_STEP_PX)} />
      {conversation}
      <ResizeHandle orientation="vertical" label="Resize the right column" className="column-handle" onStart={noteStart} onMove={resizeRight} onStep={step(resizeRight, KEYBOARD_STEP_PX)} />
      <div className="column column-right" ref={rightRef} style={split(layout.terminalShare)}>
        {terminal}
        <ResizeHandle
          orientation="horizontal"
          label="Resize terminal and editor"
          onStart={noteStart}
          onMove={resizeSplit('terminalShare', 'rightHeightPx')}
          onStep={(direction) => {
            noteStart();
            resizeSplit('terminalShare', 'rightHeightPx')(direction * shareStepPx(dragStart.current.rightHeightPx));
          }}
        />
        {editor}
      </div>
    </main>
  );
}

function columnWidths(layout: PanelLayout): CSSProperties {
  return { '--left-width': `${layout.leftWidthPx}px`, '--right-width': `${layout.rightWidthPx}px` } as CSSProperties;
}

function split(share: number): CSSProperties {
  return { '--first-share': share, '--second-share': 1 - share } as CSSProperties;
}
