import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

/**
 * Header actions that fit: shown inline when there is room, folded behind a "More actions" button
 * when `folded`. The menu stays open while it is used (an action may ask to confirm) and closes on
 * Escape or a click outside it.
 */
export function OverflowMenu({ folded, children }: { folded: boolean; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!folded) setOpen(false);
  }, [folded]);
  useEffect(() => {
    if (!open) return;
    const outside = (event: PointerEvent) => {
      if (rootRef.current && event.target instanceof Node && !rootRef.current.contains(event.target)) setOpen(false);
    };
    const escape = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('pointerdown', outside);
      document.removeEventListener('keydown', escape);
    };
  }, [open]);

  if (!folded) return <div className="header-actions">{children}</div>;
  return (
    <div className="overflow-menu" ref={rootRef}>
      <button
        className="button small overflow-toggle"
        aria-label="More actions"
        aria-haspopup="true"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen((current) => !current)}
      >
        ⋯
      </button>
      {open && (
        <div className="overflow-popover" id={menuId} role="group" aria-label="Session actions">
          {children}
        </div>
      )}
    </div>
  );
}
