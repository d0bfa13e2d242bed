/** Error codes in `{ error: { code, message } }` bodies. */
export const ErrorCode = {
  BadRequest: 'bad_request',
  InvalidJson: 'invalid_json',
  PayloadTooLarge: 'payload_too_large',
  Unauthenticated: 'unauthenticated',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  RateLimited: 'rate_limited',
  AgentUnavailable: 'agent_unavailable',
  /** This server cannot run sandboxes (its host lacks what they need); the message says the command. */
  SandboxUnavailable: 'sandbox_unavailable',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * WebSocket close codes used on /sync (4000–4999 is the application range).
 * A client must not reconnect after any of the `fatal` ones.
 */
export const CloseCode = {
  /** The identity token is missing or its signature is wrong. */
  Unauthenticated: 4401,
  /** The person has no role in this session. */
  Forbidden: 4403,
  /** No session with this id. */
  SessionNotFound: 4404,
  /** The share link this connection joined with was revoked. */
  AccessRevoked: 4410,
  /** A frame could not be decoded as the y-websocket protocol. */
  ProtocolError: 4400,
  /** The doc reached MAX_DOC_BYTES. */
  DocTooLarge: 4413,
  /** The server is shutting down; reconnect. */
  ServerShutdown: 1012,
  /** ws closes with this when a frame exceeds MAX_SYNC_MESSAGE_BYTES. */
  MessageTooBig: 1009,
  /** The server failed to serve the socket (a session that could not be loaded, a terminal that could not start); reconnect. */
  ServerError: 1011,
  /** The client broke the socket's rules (frames before the session loaded, past the bound). */
  PolicyViolation: 1008,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.Unauthenticated,
  CloseCode.Forbidden,
  CloseCode.SessionNotFound,
  CloseCode.AccessRevoked,
]);

export function isFatalCloseCode(code: number): boolean {
  return FATAL_CLOSE_CODES.has(code);
}

export function describeCloseCode(code: number): string {
  switch (code) {
    case CloseCode.Unauthenticated:
      return 'Your identity was not accepted (it may have been revoked). Reload the page to pick your name or sign in again.';
    case CloseCode.Forbidden:
      return 'You have no access to this session. Ask its owner for a share link.';
    case CloseCode.SessionNotFound:
      return 'This session does not exist. It may have been deleted; go back to the list.';
    case CloseCode.AccessRevoked:
      return 'The share link you joined with was revoked. Ask the owner for a new one.';
    case CloseCode.ProtocolError:
      return 'The server could not read a message from this tab. Reloading fixes it.';
    case CloseCode.DocTooLarge:
      return 'This session reached its size limit; further edits are refused.';
    case CloseCode.MessageTooBig:
      return 'An edit was too large to send.';
    default:
      return 'Connection lost. Reconnecting…';
  }
}
