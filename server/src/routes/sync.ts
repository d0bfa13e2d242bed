import { upgradeWebSocket } from '@hono/node-server';
import { Hono } from 'hono';
import { CloseCode } from '@tandem/shared/protocol/errors.js';
import { decideSocketAccess, registerLinkSocket } from '../http/socket-access.js';
import type { AppEnv } from '../http/identity-middleware.js';
import type { SessionService } from '../session/session-service.js';
import type { ConnectionHandlers, DocHost } from '../sync/doc-host.js';

export interface SyncLogger {
  error(message: string, error: unknown): void;
}

/** Frames a client may send while its session doc is still loading. */
const MAX_FRAMES_BEFORE_LOAD = 64;

/** GET /sync/:sessionId — the y-websocket protocol; access is decided before the upgrade completes. */
export function syncRoutes(deps: { service: SessionService; docHost: DocHost; logger: SyncLogger }) {
  return new Hono<AppEnv>().get(
    '/:sessionId',
    upgradeWebSocket(async (c) => {
      const decided = await decideSocketAccess(c, deps.service);
      if (!decided.ok) return decided.events;
      const { identity, access } = decided;

      let handlers: ConnectionHandlers | null = null;
      const early: (ArrayBuffer | string)[] = [];
      let closedEarly = false;
      /** Set when the server closes this socket (its link was revoked): later frames are dropped. */
      let closedByServer: { code: number; reason: string } | null = null;
      let unregister = () => {};
      return {
        onOpen(_event, ws) {
          unregister = registerLinkSocket(deps.service, decided, (code, reason) => {
            closedByServer = { code, reason };
            if (handlers) handlers.close(code, reason);
            else ws.close(code, reason);
          });
          const transport = {
            send: (data: Uint8Array) => ws.send(data as Uint8Array<ArrayBuffer>),
            close: (code: number, reason: string) => ws.close(code, reason),
          };
          deps.docHost
            .connect(access.session.id, transport, { identity, role: access.role, linkId: access.linkId })
            .then((connected) => {
              handlers = connected;
              if (closedByServer) connected.close(closedByServer.code, closedByServer.reason);
              else for (const data of early.splice(0)) connected.receive(data);
              if (closedEarly) connected.closed();
            })
            .catch((error: unknown) => {
              deps.logger.error(`could not open session ${access.session.id}`, error);
              ws.close(CloseCode.ServerError, 'session could not be loaded; try again');
            });
        },
        onMessage(event, ws) {
          if (closedByServer) return;
          const data = event.data as ArrayBuffer | string;
          if (handlers) handlers.receive(data);
          else if (early.length < MAX_FRAMES_BEFORE_LOAD) early.push(data);
          else ws.close(CloseCode.PolicyViolation, 'too many frames before the session loaded');
        },
        onClose() {
          unregister();
          if (handlers) handlers.closed();
          else closedEarly = true;
        },
      };
    }),
  );
}
