/** Tandem's mark: two rings, two people on one session. */
export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden>
      <rect width="32" height="32" rx="8" fill="#6e56cf" />
      <circle cx="12" cy="16" r="6" fill="none" stroke="#fff" strokeWidth="2.5" />
      <circle cx="20" cy="16" r="6" fill="none" stroke="#fff" strokeWidth="2.5" />
    </svg>
  );
}
