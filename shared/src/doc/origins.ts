/**
 * Transaction origins: every write to a session doc names where it came from, so a change is never
 * echoed back to its source (a sandbox write is not written back to the sandbox, a remote node's
 * update is not republished).
 */
export const DocOrigin = {
  User: 'user',
  Agent: 'agent',
  Sandbox: 'sandbox',
  Persistence: 'persistence',
  RemoteNode: 'remote-node',
} as const;
export type DocOrigin = (typeof DocOrigin)[keyof typeof DocOrigin];
