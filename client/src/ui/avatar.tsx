export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? `${parts[0]?.[0] ?? ''}${parts.at(-1)?.[0] ?? ''}` : name.slice(0, 2);
  return letters.toUpperCase();
}

export function Avatar({ name, color, size = 'md', ring = false }: { name: string; color: string; size?: 'sm' | 'md'; ring?: boolean }) {
  return (
    <span className={`avatar avatar-${size}${ring ? ' avatar-ring' : ''}`} style={{ background: color }} title={name} aria-label={name}>
      {initials(name)}
    </span>
  );
}
