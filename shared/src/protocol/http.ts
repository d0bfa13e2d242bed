import { z } from 'zod';
import {
  MAX_CHAT_MESSAGE_CHARS,
  MAX_DISPLAY_NAME_CHARS,
  MAX_FILE_PATH_CHARS,
  MAX_REPO_PATH_CHARS,
  MAX_SESSION_TITLE_CHARS,
} from '../limits.js';
import { sessionRoleSchema, shareRoleSchema, type ShareRole } from '../roles.js';
import { deliveryModeSchema, sessionStatusSchema } from '../doc/schema.js';
import type { ErrorCode } from './errors.js';

/** Request and response bodies of /api, shared by the server (validation) and the client (types). */

const trimmed = (max: number, what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`);

export const userSchema = z.object({
  id: z.string(),
  name: z.string(),
  color: z.string(),
});
export type User = z.infer<typeof userSchema>;

export const createIdentityBodySchema = z.object({ name: trimmed(MAX_DISPLAY_NAME_CHARS, 'Name') });
export type CreateIdentityBody = z.infer<typeof createIdentityBodySchema>;
export interface IdentityResponse {
  token: string;
  user: User;
}
export interface CurrentIdentityResponse {
  user: User;
}

/** How people get an identity on this server: a display name (loopback), or sign-in (anywhere else). */
export interface AuthOptionsResponse {
  signInRequired: boolean;
  github: boolean;
  invites: boolean;
}
export const redeemInviteBodySchema = z.object({
  code: z.string().trim().min(1, 'Invite code must not be empty').max(200, 'Invite code is too long'),
  name: trimmed(MAX_DISPLAY_NAME_CHARS, 'Name'),
});
export type RedeemInviteBody = z.infer<typeof redeemInviteBodySchema>;
/** Fragment keys the GitHub sign-in hands back to the web app (never a query: it stays out of logs). */
export const SIGN_IN_TOKEN_FRAGMENT = 'sign-in';
export const SIGN_IN_ERROR_FRAGMENT = 'sign-in-error';
export const signInErrorSchema = z.enum(['not-allowed', 'expired', 'failed']);
export type SignInError = z.infer<typeof signInErrorSchema>;
export function invitePath(code: string): string {
  return `/invite/${encodeURIComponent(code)}`;
}

export interface NewInviteResponse {
  code: string;
  /** Path of the sign-in page with the code filled in. */
  path: string;
  expiresAt: number;
}
export interface RotateKeyResponse {
  rotated: true;
  message: string;
}

export const createSessionBodySchema = z.object({
  title: trimmed(MAX_SESSION_TITLE_CHARS, 'Title'),
  repo: trimmed(MAX_REPO_PATH_CHARS, 'Repo path'),
  /** Start from the workspace another (ended) session saved, instead of the repo's snapshot. */
  resumeFrom: z.string().min(1).max(64).optional(),
});
export type CreateSessionBody = z.infer<typeof createSessionBodySchema>;

/** PATCH /api/sessions/:id: what the owner may change after create (the repo, while no sandbox runs). */
/** An editor brings the running workspace up to the repo's newer commit: the one the page showed (a stale click is refused). */
export const updateWorkspaceBodySchema = z.object({ commit: z.string().regex(/^[0-9a-f]{40}$/, 'expected the full commit sha the page shows') }).strict();
export type UpdateWorkspaceBody = z.infer<typeof updateWorkspaceBodySchema>;

export interface UpdateWorkspaceResponse {
  /** How the workspace took the commits: moved forward, or merged with the session's own commits. */
  outcome: 'fast-forward' | 'merged';
  commit: string;
  changedFiles: number;
  /** Dependency manifests or lockfiles the update changed: the session's installed dependencies may be stale. */
  dependencyFiles: string[];
}

export const changeSessionBodySchema = z.object({ repo: trimmed(MAX_REPO_PATH_CHARS, 'Repo path') }).strict();
export type ChangeSessionBody = z.infer<typeof changeSessionBodySchema>;
/** After a retry or a repo change: the sandbox is starting now, or was already running (nothing was done). */
export interface SandboxStartResponse {
  sandbox: 'starting' | 'running';
}

export const sessionSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  repo: z.string(),
  status: sessionStatusSchema,
  ownerId: z.string(),
  ownerName: z.string(),
  role: sessionRoleSchema,
  createdAt: z.number(),
  /** When its owner ended it, if they did. */
  endedAt: z.number().nullable(),
});
export type SessionSummary = z.infer<typeof sessionSummarySchema>;
export interface SessionResponse {
  session: SessionSummary;
}
/** PATCH /api/sessions/:id: the session as stored now, its sandbox starting on the new repo. */
export interface ChangeSessionResponse extends SessionResponse, SandboxStartResponse {}
export interface SessionListResponse {
  sessions: SessionSummary[];
}

export const postMessageBodySchema = z.object({
  text: trimmed(MAX_CHAT_MESSAGE_CHARS, 'Message'),
  /** `chat` (the default) is for people only; the other modes go to the agent. */
  delivery: deliveryModeSchema.default('chat'),
});
export type PostMessageBody = z.input<typeof postMessageBodySchema>;
/** What became of a message: posted (chat), started a run, queued for delivery, or interrupted the run. */
export type MessageOutcome = 'posted' | 'started' | 'queued' | 'interrupted';
export interface PostMessageResponse {
  entryId: string;
  outcome: MessageOutcome;
}

/** What this server's agent can do, for the session page. */
export interface AgentInfo {
  configured: boolean;
  model: string;
  maxTurns: number;
  maxOutputTokens: number;
}
/** Why this server runs no sandboxes, and the one command that fixes it (null when none would). */
export interface SandboxUnavailable {
  reason: string;
  command: string | null;
}
/** GET /api/health: the server answers; whether it can run sandboxes, and if not, what to run. */
export interface HealthResponse {
  ok: true;
  sandboxes: { state: 'ready'; provider: string } | ({ state: 'unavailable'; provider: string } & SandboxUnavailable) | { state: 'off' };
}
export interface ServerInfoResponse {
  agent: AgentInfo;
  sandbox: string | null;
}
export interface StopAgentResponse {
  stopped: boolean;
}

export const createShareLinkBodySchema = z.object({ role: shareRoleSchema });
export type CreateShareLinkBody = z.infer<typeof createShareLinkBodySchema>;
/** A share link as listed: its token is stored hashed, so it is never shown again after creation. */
export const shareLinkSchema = z.object({
  id: z.string(),
  role: shareRoleSchema,
  createdAt: z.number(),
  revokedAt: z.number().nullable(),
  /** How many times someone joined through it; for a carried link, how many people it carried over. */
  joinCount: z.number().int().nonnegative(),
  /** Set on the link a resume made for the members it carried over from the ended session. */
  carriedFrom: z.object({ sessionId: z.string(), title: z.string() }).nullable(),
});
export type ShareLink = z.infer<typeof shareLinkSchema>;
/** A link just minted, with its token: the only time the server can show it. */
export interface NewShareLink extends ShareLink {
  token: string;
}
export interface NewShareLinkResponse {
  link: NewShareLink;
}
export interface ShareLinkResponse {
  link: ShareLink;
}
export interface ShareLinkListResponse {
  links: ShareLink[];
}

export const joinBodySchema = z.object({ token: z.string().min(1).max(200) });
export type JoinBody = z.infer<typeof joinBodySchema>;
export interface JoinResponse {
  session: SessionSummary;
}
/** What an invite page shows before joining, and nothing more about the session. */
export interface JoinPreview {
  sessionTitle: string;
  inviterName: string;
  role: ShareRole;
}
export interface JoinPreviewResponse {
  preview: JoinPreview;
}

export interface OpenTerminalResponse {
  terminalId: string;
}

export interface ErrorResponse {
  error: { code: ErrorCode; message: string };
}

/** Path of the page a share link opens; the token is the whole capability. */
export function joinPath(token: string): string {
  return `/join/${encodeURIComponent(token)}`;
}
export function sessionPath(sessionId: string): string {
  return `/s/${encodeURIComponent(sessionId)}`;
}
/** Sync endpoint base; y-websocket appends `/<sessionId>`. */
export const SYNC_PATH = '/sync';
/** Query parameter carrying the identity token on WebSocket URLs (browsers cannot set headers). */
export const TOKEN_QUERY_PARAM = 'token';

export const filePathBodySchema = z.object({ path: z.string().min(1).max(MAX_FILE_PATH_CHARS) });
export type FilePathBody = z.infer<typeof filePathBodySchema>;
export const renameFileBodySchema = z.object({ from: z.string().min(1).max(MAX_FILE_PATH_CHARS), to: z.string().min(1).max(MAX_FILE_PATH_CHARS) });
export type RenameFileBody = z.infer<typeof renameFileBodySchema>;

/** A file changed in this session against the snapshot it started from. */
export interface FileChange {
  path: string;
  status: 'added' | 'modified' | 'deleted';
  lastWriter?: string;
  /** Unified diff; null for binary files. */
  diff: string | null;
}
export interface ChangesResponse {
  changes: FileChange[];
}

export interface EndSessionResponse {
  /** The saved workspace a new session can resume from; absent when the provider keeps none. */
  snapshotId: string | null;
}
