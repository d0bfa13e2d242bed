import type { SessionMeta, TimingStage } from '@tandem/shared/doc/schema.js';
import { ServiceDot } from './service-bar.js';
import { SnapshotOrigin } from './snapshot-origin.js';

const SEGMENTS: { from: TimingStage; to: TimingStage; label: string; className: string }[] = [
  { from: 'requestedAt', to: 'snapshotReadyAt', label: 'snapshot', className: 'seg-snapshot' },
  { from: 'snapshotReadyAt', to: 'sandboxAcquiredAt', label: 'sandbox', className: 'seg-sandbox' },
  { from: 'sandboxAcquiredAt', to: 'workspaceMountedAt', label: 'workspace', className: 'seg-workspace' },
  { from: 'workspaceMountedAt', to: 'terminalReadyAt', label: 'terminal', className: 'seg-terminal' },
];

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Where the session's start-up time went: one bar per stage, scaled to the whole. */
export function StartupWaterfall({ meta }: { meta: SessionMeta }) {
  const { timings } = meta;
  const start = timings.requestedAt;
  const end = timings.terminalReadyAt;
  if (start === undefined) return null;
  const total = (end ?? Date.now()) - start;
  const done = SEGMENTS.filter((segment) => timings[segment.from] !== undefined && timings[segment.to] !== undefined);
  return (
    <div className="waterfall" data-testid="waterfall" aria-label="Start-up waterfall">
      <div className="waterfall-bar">
        {done.map((segment) => {
          const duration = timings[segment.to]! - timings[segment.from]!;
          return (
            <span
              key={segment.label}
              className={`waterfall-seg ${segment.className}`}
              style={{ flexGrow: Math.max(duration, total / 50) }}
              title={`${segment.label}: ${formatMs(duration)}`}
            />
          );
        })}
      </div>
      <div className="waterfall-legend">
        {done.map((segment) => (
          <span key={segment.label}>
            <i className={`dot ${segment.className}`} /> {segment.label} {formatMs(timings[segment.to]! - timings[segment.from]!)}
          </span>
        ))}
        {end !== undefined && (
          <strong>
            ready in {formatMs(total)}
            {meta.sandboxSource && ` · ${meta.sandboxSource === 'warm-pool' ? 'warm pool' : 'cold boot'}`}
          </strong>
        )}
      </div>
      <SnapshotOrigin meta={meta} />
      {meta.services.length > 0 && (
        <div className="waterfall-services" data-testid="waterfall-services">
          {meta.services.map((service) => (
            <span key={service.name} data-state={service.state}>
              <ServiceDot state={service.state} />
              {service.name} {serviceTiming(service, start)}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}

/**
 * When a service was ready, counted from the session's request: a warm sandbox's services may have
 * been ready before anyone asked, which is the point of starting them at boot.
 */
function serviceTiming(service: SessionMeta['services'][number], requestedAt: number): string {
  if (service.readyAt === undefined) return service.state === 'starting' ? 'starting…' : service.state;
  if (service.restarts > 0) return `${service.state} · restarted ${service.restarts}×`;
  const sinceRequest = service.readyAt - requestedAt;
  if (sinceRequest <= 0) return `ready before the request (warm, took ${formatMs(service.readyAt - service.startedAt)})`;
  return `ready at ${formatMs(sinceRequest)}`;
}
