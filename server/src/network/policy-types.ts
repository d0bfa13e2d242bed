/**
 * The words of a sandbox's network, as the SandboxProvider seam speaks them (sandbox/provider.ts
 * imports these and nothing else of network/): what a sandbox may reach, and what it tried.
 * Types and constants only; the decisions and the proxy that carry them out are beside this file.
 */

export const NETWORK_PHASES = ['setup', 'session'] as const;
export type NetworkPhase = (typeof NETWORK_PHASES)[number];

/** Ports a pattern without `:port` allows: HTTPS and plain HTTP. */
export const DEFAULT_ALLOWED_PORTS: readonly number[] = [443, 80];

/** Where a rule came from, said in every decision so people see why something was allowed. */
export type HostRuleSource = 'operator' | 'repo' | 'session';

export interface HostRule {
  pattern: string;
  source: HostRuleSource;
  /** For `session` rules: who opened it. */
  openedBy?: string;
}

export interface NetworkPolicy {
  phase: NetworkPhase;
  rules: readonly HostRule[];
}

/** One connection a sandbox attempted through its proxy, and what the policy said. */
export interface ProxyAttempt {
  host: string;
  port: number;
  phase: NetworkPhase;
  allowed: boolean;
  reason: string;
  /** Bytes from the sandbox to the host, and back. */
  bytesOut: number;
  bytesIn: number;
  atMs: number;
}
