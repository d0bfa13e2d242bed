import { z } from 'zod';

/** Bodies of /api/sessions/:id/environment/approval and /api/sessions/:id/network/*. */

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** One named host, optionally with `:port`: what an editor may open for a session (no wildcards, no IP addresses). */
export const NAMED_HOST_REGEX = new RegExp(`^${LABEL}(?:\\.${LABEL})*(?::\\d{1,5})?$`);

export const allowHostBodySchema = z.object({
  host: z
    .string()
    .trim()
    .toLowerCase()
    .max(260)
    .regex(NAMED_HOST_REGEX, 'name one host, such as "registry.npmjs.org" or "docs.example.com:8443"')
    .refine((host) => !/^[\d.]+(?::\d+)?$/.test(host), 'IP addresses cannot be opened; name the host'),
});
export type AllowHostBody = z.infer<typeof allowHostBodySchema>;

export interface AllowHostResponse {
  host: string;
  openedBy: string;
}

export const approveEnvironmentBodySchema = z.object({
  /** The sha256 of the file's text the person saw: a file changed since is not approved by this. */
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'hash is the sha256 (hex) the approval GET returned'),
});
export type ApproveEnvironmentBody = z.infer<typeof approveEnvironmentBodySchema>;

export interface EnvironmentApprovalResponse {
  /** The repo's `.tandem/environment.json` as the session's snapshot has it; null when it has none. */
  file: { path: string; text: string; hash: string } | null;
  /** Why the file cannot be used (invalid), if so. */
  error: string | null;
  /** What it would widen: hosts for setup and for the session. */
  network: { setup: string[]; session: string[] };
  /** Whether the session's owner approved exactly this content. */
  approved: boolean;
  /** Whether the caller may approve it (the owner). */
  canApprove: boolean;
}

export interface NetworkAttemptView {
  phase: 'setup' | 'session';
  host: string;
  port: number;
  allowed: boolean;
  reason: string;
  attempts: number;
  bytesOut: number;
  bytesIn: number;
  lastAt: string;
}

export interface NetworkAttemptsResponse {
  attempts: NetworkAttemptView[];
  /** Hosts opened for this session, and by whom. */
  opened: Array<{ host: string; openedBy: string; openedAt: string }>;
}
