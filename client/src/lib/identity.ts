import { useSyncExternalStore } from 'react';
import { userSchema, type IdentityResponse, type User } from '@tandem/shared/protocol/http.js';
import { z } from 'zod';

/** The signed identity, kept in this browser so a person picks their name once. */
const STORAGE_KEY = 'tandem.identity';
const storedIdentitySchema = z.object({ token: z.string().min(1), user: userSchema });
export type StoredIdentity = z.infer<typeof storedIdentitySchema>;

const listeners = new Set<() => void>();
let cached: { raw: string | null; value: StoredIdentity | null } = { raw: null, value: null };

function read(): StoredIdentity | null {
  const raw = window.localStorage.getItem(STORAGE_KEY);
  if (raw === cached.raw) return cached.value;
  let value: StoredIdentity | null = null;
  try {
    const parsed = storedIdentitySchema.safeParse(JSON.parse(raw ?? 'null'));
    value = parsed.success ? parsed.data : null;
  } catch {
    value = null;
  }
  cached = { raw, value };
  return value;
}

export function getIdentity(): StoredIdentity | null {
  return read();
}

export function saveIdentity(identity: IdentityResponse): void {
  window.localStorage.setItem(STORAGE_KEY, JSON.stringify(identity));
  for (const listener of listeners) listener();
}

export function forgetIdentity(): void {
  window.localStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener();
}

export function useIdentity(): StoredIdentity | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      window.addEventListener('storage', listener);
      return () => {
        listeners.delete(listener);
        window.removeEventListener('storage', listener);
      };
    },
    read,
  );
}

export type { User };
