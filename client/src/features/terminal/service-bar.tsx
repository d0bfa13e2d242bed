import type { ServiceState, ServiceStatus } from '@tandem/shared/doc/schema.js';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/use-action.js';
import './services.css';

const STATE_LABELS: Record<ServiceState, string> = {
  starting: 'starting…',
  ready: 'ready',
  failed: 'failed',
  crashed: 'crashed',
  stopped: 'stopped',
};

/** A service's state as a coloured dot (tabs and the waterfall use the same colours). */
export function ServiceDot({ state }: { state: ServiceState }) {
  return <i className={`service-dot service-${state}`} aria-hidden />;
}

/** Above a service's log: its state, why it failed or crashed, and (for editors) Restart. */
export function ServiceBar({ sessionId, service, canEdit }: { sessionId: string; service: ServiceStatus; canEdit: boolean }) {
  const restart = useAction(`Could not restart ${service.name}`);
  const troubled = service.state === 'failed' || service.state === 'crashed';
  return (
    <div className={`service-bar${troubled ? ' troubled' : ''}`} data-testid="service-bar" data-state={service.state}>
      <ServiceDot state={service.state} />
      <strong>{service.name}</strong>
      <span className="muted">
        {STATE_LABELS[service.state]}
        {service.restarts > 0 && ` · restarted ${service.restarts}×`}
      </span>
      {service.message && troubled && <span className="service-message">{service.message}</span>}
      <span className="service-bar-end">
        {restart.error && <span className="error-text">{restart.error}</span>}
        {canEdit ? (
          <button
            className={`button small${troubled ? ' primary' : ''}`}
            disabled={restart.busy || service.state === 'starting' || service.state === 'stopped'}
            onClick={() => void restart.run(() => api.restartService(sessionId, service.name))}
            title="Starts the service again: its command runs the workspace's files as they are now (editors' changes included) with the secrets the repo gives its services"
          >
            Restart
          </button>
        ) : (
          troubled && <span className="muted small">an editor can restart it</span>
        )}
      </span>
    </div>
  );
}
