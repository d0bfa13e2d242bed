import { EDITOR_READABLE_PHASES, phasesOfSecret, type DeclaredSecretPhases, type SecretPhase } from '@tandem/shared/protocol/secrets.js';
import './secrets.css';

const PHASE_LABELS: Record<SecretPhase, string> = { setup: 'setup', services: 'services', session: 'sessions' };
const PHASE_TITLES: Record<SecretPhase, string> = {
  setup: 'Given to the repo’s setup script, which runs when its snapshot is built, before any session',
  services: 'Given to the repo’s services (their commands run in the session’s sandbox)',
  session: 'Given to every command and terminal of the session',
};

/** Where a secret goes, and whether editors can read it there; null while the sandbox is not running (phases unknown). */
export function secretExposure(name: string, declared: DeclaredSecretPhases | null): { phases: SecretPhase[]; readable: SecretPhase[] } | null {
  if (declared === null) return null;
  const phases = phasesOfSecret(name, declared);
  return { phases, readable: phases.filter((phase) => EDITOR_READABLE_PHASES.includes(phase)) };
}

/** The phases that make a secret readable, in words ("the services and every session’s terminals and commands"). */
function readableWhere(readable: SecretPhase[]): string {
  const words = readable.map((phase) => (phase === 'session' ? 'every session’s terminals and commands' : 'the services'));
  return words.join(' and ');
}

/** How an editor gets at a secret in those phases, in words. */
function howEditorsReach(readable: SecretPhase[]): string {
  const ways = readable.map((phase) => (phase === 'session' ? 'run a command' : 'edit a service’s script and press Restart'));
  return ways.join(', or ');
}

/** The phases a secret reaches, as small chips; the ones editors can read from are marked. */
export function SecretPhaseChips({ phases }: { phases: SecretPhase[] }) {
  if (phases.length === 0) return <span className="secret-phase none" title="The repo’s environment file gives it to no phase">unused</span>;
  return (
    <span className="secret-phases" data-testid="secret-phases">
      {phases.map((phase) => (
        <span key={phase} className={`secret-phase${EDITOR_READABLE_PHASES.includes(phase) ? ' readable' : ''}`} title={PHASE_TITLES[phase]}>
          {PHASE_LABELS[phase]}
        </span>
      ))}
    </span>
  );
}

/** Under a listed secret the editors can read: says so in one line. */
export function ReadableByEditorsNote({ readable }: { readable: SecretPhase[] }) {
  return (
    <span className="secret-readable-note" data-testid="secret-readable-note">
      <WarningIcon />
      Every editor can read it: they can change the code that receives it in {readableWhere(readable)}.
    </span>
  );
}

/**
 * Beside the form while the owner sets a secret that reaches services or sessions: the boundary the
 * product does not keep. Editors change a service's script and press Restart, or run a command in
 * the session; either way the code that holds the value is theirs.
 */
export function SecretExposureWarning({ name, exposure }: { name: string; exposure: ReturnType<typeof secretExposure> }) {
  if (exposure !== null && exposure.readable.length === 0) return null;
  return (
    <div className="secret-exposure-warning" role="note" data-testid="secret-exposure-warning">
      <WarningIcon />
      <div>
        <strong>Every editor of a session on this repo can read {name}.</strong>{' '}
        {exposure === null ? (
          <>Unless the repo’s environment file says otherwise, a secret goes to every session’s terminals and commands, which editors control.</>
        ) : (
          <>
            This repo gives it to {readableWhere(exposure.readable)}: editors can change that code ({howEditorsReach(exposure.readable)}) and print the
            value.
          </>
        )}{' '}
        Set it only if you would hand it to each editor. A value only the setup script needs belongs under <code>secrets.setup</code>.
      </div>
    </div>
  );
}

function WarningIcon() {
  return (
    <svg className="secret-warning-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden>
      <path d="M8 1.5 15 14H1L8 1.5Z" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
      <path d="M8 6v3.6" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      <circle cx="8" cy="11.6" r="0.9" fill="currentColor" />
    </svg>
  );
}
