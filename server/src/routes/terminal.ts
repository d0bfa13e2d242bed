import { upgradeWebSocket } from '@hono/node-server';
import { Hono } from 'hono';
import { CloseCode } from '@tandem/shared/protocol/errors.js';
import { TERMINAL_NOT_FOUND_CLOSE, anyTerminalIdSchema, terminalClientMessageSchema, type TerminalServerMessage } from '@tandem/shared/protocol/terminal.js';
import { canEditSession } from '@tandem/shared/roles.js';
import { decideSocketAccess, refuseSocket, registerLinkSocket } from '../http/socket-access.js';
import type { AppEnv } from '../http/identity-middleware.js';
import type { SessionRuntime } from '../workspace/session-runtime.js';
import type { SessionService } from '../session/session-service.js';
import type { ServiceLog } from '../workspace/services/service-log.js';
import type { SharedTerminal, TerminalViewer } from '../workspace/terminals/shared-terminal.js';

/**
 * GET /terminal/:sessionId/:terminalId — one shared PTY: output as binary frames to everyone,
 * input and resize as JSON text frames (zod-checked); viewers' input is refused with a message.
 */
export function terminalRoutes(deps: { service: SessionService; runtime: SessionRuntime | null }) {
  return new Hono<AppEnv>().get(
    '/:sessionId/:terminalId',
    upgradeWebSocket(async (c) => {
      const runtime = deps.runtime;
      if (!runtime) return refuseSocket(CloseCode.ServerError, 'this server runs without sandboxes');
      const decided = await decideSocketAccess(c, deps.service);
      if (!decided.ok) return decided.events;
      const terminalId = anyTerminalIdSchema.safeParse(c.req.param('terminalId'));
      if (!terminalId.success) return refuseSocket(CloseCode.ProtocolError, 'bad terminal id');
      const { session, role } = decided.access;

      // A shell, or a service's log (output only, for everyone).
      let terminal: SharedTerminal | ServiceLog | undefined;
      let viewer: TerminalViewer | undefined;
      let closed = false;
      let unregister = () => {};
      /** Stops this socket's output and input at once (its link was revoked), then closes it. */
      const cut = (ws: { close(code: number, reason: string): void }, code: number, reason: string) => {
        closed = true;
        if (terminal && viewer) terminal.detach(viewer);
        terminal = undefined;
        viewer = undefined;
        ws.close(code, reason);
      };
      return {
        onOpen(_event, ws) {
          unregister = registerLinkSocket(deps.service, decided, (code, reason) => cut(ws, code, reason));
          const send = (message: TerminalServerMessage) => ws.send(JSON.stringify(message));
          viewer = {
            canType: canEditSession(role),
            sendOutput: (data) => ws.send(data as Uint8Array<ArrayBuffer>),
            sendMessage: send,
          };
          runtime
            .ensureStarted(session.id)
            .then(() => runtime.terminal(session.id, terminalId.data))
            .then((found) => {
              if (closed || !viewer) return;
              if (!found) {
                ws.close(TERMINAL_NOT_FOUND_CLOSE, `no terminal ${terminalId.data} in this session`);
                return;
              }
              terminal = found;
              found.attach(viewer);
            })
            .catch((error: unknown) => {
              const reason = error instanceof Error ? error.message : 'sandbox failed to start';
              ws.close(CloseCode.ServerError, reason.slice(0, 120));
            });
        },
        onMessage(event, ws) {
          if (closed) return;
          if (typeof event.data !== 'string') {
            ws.close(CloseCode.ProtocolError, 'terminal input is JSON text frames');
            return;
          }
          let parsed;
          try {
            parsed = terminalClientMessageSchema.safeParse(JSON.parse(event.data));
          } catch {
            parsed = null;
          }
          if (!parsed?.success) {
            ws.close(CloseCode.ProtocolError, 'malformed terminal message');
            return;
          }
          if (!terminal || !viewer) return;
          const message = parsed.data;
          switch (message.type) {
            case 'input':
              if (!terminal.input(viewer, message.data)) {
                const refusal = 'inputRefusal' in terminal ? terminal.inputRefusal : 'You are viewing this session; only editors can type. Ask the owner for an editor link.';
                viewer.sendMessage({ type: 'refused', message: refusal });
              }
              return;
            case 'resize':
              // Already clamped by the schema: an odd screen size never closes a shared terminal.
              terminal.resize(viewer, { cols: message.cols, rows: message.rows });
              return;
            default:
              message satisfies never;
          }
        },
        onClose() {
          closed = true;
          unregister();
          if (terminal && viewer) terminal.detach(viewer);
        },
      };
    }),
  );
}
