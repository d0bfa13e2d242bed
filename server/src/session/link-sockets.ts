import { CloseCode } from '@tandem/shared/protocol/errors.js';

/** One open socket (sync, terminal, anything later) that a share link let in. */
export interface LinkSocket {
  sessionId: string;
  linkId: string;
  /** Closes the socket and stops acting on anything it sends from now on. */
  close(code: number, reason: string): void;
  /** Asks the store whether this person still has access (the link may have been revoked just now). */
  stillAllowed(): Promise<boolean>;
}

export const LINK_REVOKED_REASON = 'share link revoked';

/**
 * Every open socket, by the share link that let it in, so revoking a link closes all of them at once.
 * A socket whose access was checked just before a revocation but registers just after it would be
 * missed by the close; so each registration asks the store once more, after it is registered.
 */
export function createLinkSockets(logger: { error(message: string, error?: unknown): void } = console) {
  const byLink = new Map<string, Set<LinkSocket>>();

  function remove(socket: LinkSocket): void {
    const sockets = byLink.get(socket.linkId);
    sockets?.delete(socket);
    if (sockets?.size === 0) byLink.delete(socket.linkId);
  }

  return {
    /** Registers a socket opened through a link (an owner's sockets have no link); returns its unregister. */
    register(socket: LinkSocket): () => void {
      const sockets = byLink.get(socket.linkId) ?? new Set<LinkSocket>();
      sockets.add(socket);
      byLink.set(socket.linkId, sockets);
      void socket
        .stillAllowed()
        .then((allowed) => {
          if (!allowed && sockets.has(socket)) {
            remove(socket);
            socket.close(CloseCode.AccessRevoked, LINK_REVOKED_REASON);
          }
        })
        .catch((error: unknown) => logger.error('could not re-check a socket’s access', error));
      return () => remove(socket);
    },

    /** Closes every open socket of a link (sync, terminal, …); returns how many. */
    closeLink(sessionId: string, linkId: string): number {
      const sockets = [...(byLink.get(linkId) ?? [])].filter((socket) => socket.sessionId === sessionId);
      for (const socket of sockets) {
        remove(socket);
        socket.close(CloseCode.AccessRevoked, LINK_REVOKED_REASON);
      }
      return sockets.length;
    },

    /** Open sockets of a link, for tests. */
    count(linkId: string): number {
      return byLink.get(linkId)?.size ?? 0;
    },
  };
}
export type LinkSockets = ReturnType<typeof createLinkSockets>;
