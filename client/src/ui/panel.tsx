import type { ReactNode } from 'react';

export function Panel({
  title,
  icon,
  actions,
  children,
  className = '',
  onFocus,
  testId,
}: {
  title: string;
  icon: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  onFocus?: () => void;
  testId?: string;
}) {
  return (
    <section className={`panel ${className}`} onFocusCapture={onFocus} onPointerDown={onFocus} data-testid={testId} aria-label={title}>
      <header className="panel-header">
        <span className="panel-icon" aria-hidden>
          {icon}
        </span>
        <h2>{title}</h2>
        <div className="panel-actions">{actions}</div>
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}

/** A clearly empty place in the layout for a capability that is not built yet. */
export function ComingSoon({ title, text }: { title: string; text: string }) {
  return (
    <div className="coming-soon">
      <strong>{title}</strong>
      <p>{text}</p>
    </div>
  );
}

export function relativeTime(atMs: number, nowMs = Date.now()): string {
  const seconds = Math.round((nowMs - atMs) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(atMs).toLocaleDateString();
}

export function clockTime(atMs: number): string {
  return new Date(atMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
