import { appendTranscriptEntry, writeMeta } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import type { DocHost } from '../../sync/doc-host.js';
import type { ServiceRegistry, SandboxServices } from './sandbox-services.js';

/** A session's view of its sandbox's services: their states mirrored into the doc while it runs. */
export interface SessionServices {
  services: SandboxServices | null;
  detach(): void;
}

/**
 * Shows a sandbox's services in its session's doc (meta.services, server-written) from the moment
 * the session has the sandbox; a warm sandbox's services may be ready already. An unusable
 * environment file is said once in the transcript.
 */
export async function attachSessionServices(deps: { docHost: DocHost; registry: ServiceRegistry | undefined; sessionId: string; sandboxId: string }): Promise<SessionServices> {
  const services = (await deps.registry?.of(deps.sandboxId)?.catch(() => null)) ?? null;
  if (!services) return { services: null, detach: () => {} };
  const write = () => void deps.docHost.change(deps.sessionId, (doc) => writeMeta(doc, { services: services.supervisor.statuses() }, Origin.sandbox));
  write();
  if (services.problem) {
    const text = `No services were started: ${services.problem}`;
    await deps.docHost.change(deps.sessionId, (doc) =>
      appendTranscriptEntry(doc, { kind: 'system-notice', id: `n_services_${Date.now().toString(36)}`, level: 'warning', text, createdAt: Date.now() }, Origin.sandbox),
    );
  }
  for (const [index, note] of (services.notes ?? []).entries()) {
    await deps.docHost.change(deps.sessionId, (doc) =>
      appendTranscriptEntry(doc, { kind: 'system-notice', id: `n_services_${Date.now().toString(36)}_${index}`, level: 'warning', text: note, createdAt: Date.now() }, Origin.sandbox),
    );
  }
  return { services, detach: services.supervisor.onChange(write) };
}
