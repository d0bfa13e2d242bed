/**
 * Relays doc updates between server nodes that serve the same session. Each node applies what it
 * receives with origin `remote-node` and does not publish it again. In-process now (nodes in one
 * process share a bus); Redis pub/sub is the multi-machine implementation to come.
 */
export interface DocFanout {
  publish(sessionId: string, update: Uint8Array): void;
  subscribe(sessionId: string, onRemoteUpdate: (update: Uint8Array) => void): () => void;
}

export interface InProcessFanoutBus {
  /** A node's view of the bus: it hears every other node's updates, never its own. */
  join(): DocFanout;
}

export function createInProcessFanoutBus(): InProcessFanoutBus {
  const listeners = new Map<string, Set<{ node: object; onRemoteUpdate: (update: Uint8Array) => void }>>();
  return {
    join() {
      const node = {};
      return {
        publish(sessionId, update) {
          for (const listener of listeners.get(sessionId) ?? []) {
            if (listener.node !== node) listener.onRemoteUpdate(update);
          }
        },
        subscribe(sessionId, onRemoteUpdate) {
          const entry = { node, onRemoteUpdate };
          const set = listeners.get(sessionId) ?? new Set();
          set.add(entry);
          listeners.set(sessionId, set);
          return () => {
            set.delete(entry);
            if (set.size === 0) listeners.delete(sessionId);
          };
        },
      };
    },
  };
}
