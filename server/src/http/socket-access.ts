import type { Context } from 'hono';
import type { WSEvents } from 'hono/ws';
import { CloseCode } from '@tandem/shared/protocol/errors.js';
import type { Identity } from '../auth/identity-token.js';
import type { SessionRow } from '../db/repositories/sessions.js';
import type { GrantedAccess, SessionService } from '../session/session-service.js';
import type { AppEnv } from './identity-middleware.js';

export type SocketAccess =
  | { ok: true; identity: Identity; access: GrantedAccess & { session: SessionRow } }
  | { ok: false; events: WSEvents };

/** Events that accept the upgrade only to close it with a named code the browser can read. */
export function refuseSocket(code: number, reason: string): WSEvents {
  return { onOpen: (_event, ws) => ws.close(code, reason) };
}

/**
 * Registers an open socket with the share link that let its person in (an owner's sockets have
 * none), so revoking that link closes it; returns the unregister to call when the socket closes.
 */
export function registerLinkSocket(
  service: SessionService,
  granted: Extract<SocketAccess, { ok: true }>,
  close: (code: number, reason: string) => void,
): () => void {
  const { identity, access } = granted;
  const linkId = access.linkId;
  if (!linkId) return () => {};
  return service.sockets.register({
    sessionId: access.session.id,
    linkId,
    close,
    stillAllowed: async () => {
      const decision = await service.decideAccess(access.session.id, identity.id);
      return decision.kind === 'granted' && decision.linkId === linkId;
    },
  });
}

/**
 * Access for a WebSocket on a session (the identity middleware has run). A refusal is a close with a
 * named code, since a browser cannot read an HTTP status from a failed upgrade.
 */
export async function decideSocketAccess(c: Context<AppEnv>, service: SessionService): Promise<SocketAccess> {
  const sessionId = c.req.param('sessionId');
  const identity = c.get('identity');
  if (!sessionId) return { ok: false, events: refuseSocket(CloseCode.SessionNotFound, 'no session id') };
  if (!identity) return { ok: false, events: refuseSocket(CloseCode.Unauthenticated, 'identity token missing or invalid') };
  const decision = await service.decideAccess(sessionId, identity.id);
  if (decision.kind === 'not-found' || !decision.session) return { ok: false, events: refuseSocket(CloseCode.SessionNotFound, 'session not found') };
  if (decision.kind === 'forbidden') return { ok: false, events: refuseSocket(CloseCode.Forbidden, 'no access to this session') };
  return { ok: true, identity, access: { ...decision, session: decision.session } };
}
