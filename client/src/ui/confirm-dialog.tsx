import { useEffect, useRef, type ReactNode } from 'react';

/**
 * An in-app question with two answers, in place of window.confirm: it says what will happen, keeps
 * the page's look, and can show a pending state and an error without closing. Escape or the
 * backdrop cancels; focus starts on the cancel button, so Enter alone never does the drastic thing.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  pendingLabel,
  pending,
  error,
  danger,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  pending: boolean;
  error: string | null;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => cancelRef.current?.focus(), []);
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => event.key === 'Escape' && !pending && onCancel();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel, pending]);
  return (
    <div className="dialog-backdrop" onClick={() => !pending && onCancel()}>
      <div className="dialog card confirm-dialog" role="alertdialog" aria-modal="true" aria-label={title} onClick={(event) => event.stopPropagation()}>
        <h2>{title}</h2>
        <div className="confirm-body">{children}</div>
        {error && <p className="error-text">{error}</p>}
        <div className="dialog-actions">
          <button ref={cancelRef} className="button" onClick={onCancel} disabled={pending}>
            Cancel
          </button>
          <button className={`button ${danger ? 'danger' : 'primary'}`} onClick={onConfirm} disabled={pending}>
            {pending ? pendingLabel : confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
