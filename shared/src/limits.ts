/** Every size and rate limit of the wire and the doc, defined once and used by client and server. */

/** Largest WebSocket frame accepted on /sync; bigger frames close the connection (1009). */
export const MAX_SYNC_MESSAGE_BYTES = 1024 * 1024;
/** A doc whose persisted state would grow past this refuses further updates. */
export const MAX_DOC_BYTES = 32 * 1024 * 1024;
/** Largest JSON body accepted on /api. */
export const MAX_HTTP_BODY_BYTES = 64 * 1024;

export const MAX_DISPLAY_NAME_CHARS = 40;
export const MAX_SESSION_TITLE_CHARS = 120;
export const MAX_REPO_PATH_CHARS = 1024;
export const MAX_CHAT_MESSAGE_CHARS = 8000;
export const MAX_PLAN_STEP_TITLE_CHARS = 200;

/** Chat messages one person may post per window, per session. */
export const CHAT_RATE_LIMIT_COUNT = 20;
export const CHAT_RATE_LIMIT_WINDOW_MS = 10_000;

/** Tool output kept in the doc per call (the model gets more); the transcript says when it was cut. */
export const MAX_TOOL_OUTPUT_DOC_CHARS = 8_000;
/** A tool call's input as shown in the doc (a whole written file would bloat it). */
export const MAX_TOOL_INPUT_DOC_CHARS = 4_000;

/** Text files up to this size can be live in the doc (opened, edited together); bigger ones are "too-large". */
export const MAX_LIVE_FILE_BYTES = 512 * 1024;
/** Most files in the live working set at once; unchanged files nobody has open are dropped first. */
export const MAX_LIVE_FILES = 200;
/** Most paths `fileInfo` lists; a bigger tree is cut (and the session says so). */
export const MAX_FILE_INFO_ENTRIES = 50_000;
export const MAX_FILE_PATH_CHARS = 1024;

/** A budget of `count` actions per sliding window. */
export interface RateLimit {
  count: number;
  windowMs: number;
}

/**
 * Actions that cost the server (an identity, a session that boots a sandbox, a message that may reach
 * the model), limited per signed identity and per client address. Requests from the machine itself
 * (loopback) count per identity only.
 */
export const IDENTITY_RATE_LIMIT_PER_ADDRESS: RateLimit = { count: 20, windowMs: 10 * 60_000 };
export const SESSION_RATE_LIMIT_PER_IDENTITY: RateLimit = { count: 30, windowMs: 10 * 60_000 };
export const SESSION_RATE_LIMIT_PER_ADDRESS: RateLimit = { count: 60, windowMs: 10 * 60_000 };
export const MESSAGE_RATE_LIMIT_PER_IDENTITY: RateLimit = { count: 60, windowMs: 60_000 };
export const MESSAGE_RATE_LIMIT_PER_ADDRESS: RateLimit = { count: 180, windowMs: 60_000 };

/** Sandboxes one person's sessions may run at once (TANDEM_MAX_LIVE_SANDBOXES_PER_PERSON). */
export const DEFAULT_MAX_LIVE_SANDBOXES_PER_PERSON = 4;
/** Sandboxes a server runs at once, warm pool aside (TANDEM_MAX_LIVE_SANDBOXES). */
export const DEFAULT_MAX_LIVE_SANDBOXES_PER_SERVER = 24;

/** An invite code made by an admin can be redeemed once, within this time. */
export const INVITE_CODE_TTL_MS = 7 * 24 * 60 * 60_000;
