import { useRef, type KeyboardEvent, type PointerEvent } from 'react';

/**
 * A drag handle between two panels. `vertical` separates columns (drag left and right), `horizontal`
 * separates panels stacked in a column (drag up and down). The owner keeps the size: the handle
 * reports how far it moved since the drag started, and arrow keys step it for keyboard users.
 */
export function ResizeHandle({
  orientation,
  label,
  onStart,
  onMove,
  onStep,
  className = '',
}: {
  orientation: 'vertical' | 'horizontal';
  label: string;
  /** A drag begins: the owner notes the sizes it starts from. */
  onStart: () => void;
  /** Pixels moved since the drag began (right or down is positive). */
  onMove: (deltaPx: number) => void;
  /** One arrow-key step: +1 (right or down) or -1. */
  onStep: (direction: 1 | -1) => void;
  className?: string;
}) {
  const origin = useRef<number | null>(null);
  const position = (event: PointerEvent) => (orientation === 'vertical' ? event.clientX : event.clientY);

  const down = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    origin.current = position(event);
    onStart();
  };
  const move = (event: PointerEvent<HTMLDivElement>) => {
    if (origin.current === null) return;
    onMove(position(event) - origin.current);
  };
  const up = (event: PointerEvent<HTMLDivElement>) => {
    if (origin.current === null) return;
    origin.current = null;
    if (event.currentTarget.hasPointerCapture(event.pointerId)) event.currentTarget.releasePointerCapture(event.pointerId);
  };
  const key = (event: KeyboardEvent<HTMLDivElement>) => {
    const [back, forward] = orientation === 'vertical' ? ['ArrowLeft', 'ArrowRight'] : ['ArrowUp', 'ArrowDown'];
    if (event.key !== back && event.key !== forward) return;
    event.preventDefault();
    onStep(event.key === forward ? 1 : -1);
  };

  return (
    <div
      className={`resize-handle resize-handle-${orientation} ${className}`}
      role="separator"
      aria-orientation={orientation}
      aria-label={label}
      tabIndex={0}
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={up}
      onKeyDown={key}
      data-testid="resize-handle"
    />
  );
}
