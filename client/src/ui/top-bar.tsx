import type { ReactNode } from 'react';
import { Logo } from './logo.js';
import { navigate } from '../lib/router.js';
import { useIdentity } from '../lib/identity.js';
import { Avatar } from './avatar.js';

export function TopBar({ children }: { children?: ReactNode }) {
  const identity = useIdentity();
  return (
    <header className="top-bar">
      <a
        className="brand"
        href="/"
        onClick={(event) => {
          event.preventDefault();
          navigate('/');
        }}
      >
        <Logo /> <span className="brand-name">Tandem</span>
      </a>
      <div className="top-bar-middle">{children}</div>
      {identity && (
        <span className="me" title={`Signed in as ${identity.user.name}`}>
          <Avatar name={identity.user.name} color={identity.user.color} size="sm" />
          <span className="me-name">{identity.user.name}</span>
        </span>
      )}
    </header>
  );
}
