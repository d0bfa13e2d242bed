import { createHash, randomBytes } from 'node:crypto';

/**
 * The key that signs identity tokens. Its id (a hash prefix, never the secret) travels in each token,
 * so a node can tell "signed with a key I have not loaded yet" from "signed with a key that is gone".
 */
export interface SigningKey {
  id: string;
  secret: string;
}

/** Where the current key lives (the store's server_secrets row); every node reads the same one. */
export interface SigningKeyStore {
  load(): Promise<string>;
  replace(secret: string): Promise<void>;
}

export interface SigningKeyring {
  current(): SigningKey;
  /** The key a token names, or undefined when that key was rotated away. */
  find(keyId: string): Promise<SigningKey | undefined>;
  /** Replaces the key: every identity token signed so far stops working, on every node. */
  rotate(): Promise<SigningKey>;
}

/** How stale a node's copy of the key may get: a rotation on another node reaches this one within it. */
export const SIGNING_KEY_RECHECK_INTERVAL_MS = 5_000;
/** A token naming an unknown key makes the node re-read the store, at most this often. */
const UNKNOWN_KEY_RELOAD_MIN_INTERVAL_MS = 1_000;

/** The key comes from TANDEM_SECRET; only a new value and a restart can replace it. */
export class KeyRotationUnavailableError extends Error {
  constructor() {
    super('This server signs identities with TANDEM_SECRET; set a new value (32+ characters) and restart every node to revoke all identity tokens');
  }
}

export function newSigningSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function signingKeyOf(secret: string): SigningKey {
  return { id: createHash('sha256').update(`tandem identity key:${secret}`).digest('base64url').slice(0, 12), secret };
}

/** A key fixed for the life of the process (TANDEM_SECRET). */
export function createFixedKeyring(secret: string): SigningKeyring {
  const key = signingKeyOf(secret);
  return {
    current: () => key,
    find: async (keyId) => (keyId === key.id ? key : undefined),
    rotate: () => Promise.reject(new KeyRotationUnavailableError()),
  };
}

/** The key kept in the store, re-read now and then so a rotation made by any node reaches all of them. */
export function createStoredKeyring(deps: {
  store: SigningKeyStore;
  initialSecret: string;
  nowMs?: () => number;
  recheckIntervalMs?: number;
}): SigningKeyring {
  const nowMs = deps.nowMs ?? Date.now;
  const recheckIntervalMs = deps.recheckIntervalMs ?? SIGNING_KEY_RECHECK_INTERVAL_MS;
  let key = signingKeyOf(deps.initialSecret);
  let loadedAtMs = nowMs();
  let reloading: Promise<void> | null = null;

  function reload(): Promise<void> {
    reloading ??= deps.store
      .load()
      .then((secret) => {
        key = signingKeyOf(secret);
        loadedAtMs = nowMs();
      })
      .finally(() => {
        reloading = null;
      });
    return reloading;
  }

  return {
    current: () => key,
    async find(keyId) {
      const ageMs = nowMs() - loadedAtMs;
      if (ageMs >= recheckIntervalMs || (keyId !== key.id && ageMs >= UNKNOWN_KEY_RELOAD_MIN_INTERVAL_MS)) await reload();
      return keyId === key.id ? key : undefined;
    },
    async rotate() {
      const secret = newSigningSecret();
      await deps.store.replace(secret);
      key = signingKeyOf(secret);
      loadedAtMs = nowMs();
      return key;
    },
  };
}
