import type { DeliveryMode } from '@tandem/shared/doc/schema.js';

export type SteerMode = Extract<DeliveryMode, 'steer' | 'queue' | 'interrupt'>;

export interface ComposerKey {
  key: string;
  shiftKey: boolean;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  /** An input method is composing (e.g. Japanese): its Enter picks a word, it sends nothing. */
  isComposing: boolean;
}

export interface ComposerState {
  agentConfigured: boolean;
  agentActive: boolean;
  steerMode: SteerMode;
}

/** What the agent action does now: ask (starts a paid run) when idle, else steer, queue or interrupt. */
export function agentDelivery(state: ComposerState): Exclude<DeliveryMode, 'chat'> {
  return state.agentActive ? state.steerMode : 'prompt';
}

/**
 * What a key in the composer sends, or null to let the textarea have it. A plain Enter only ever
 * talks to people, so no run (and no spend) starts by accident; Ctrl+Enter (⌘+Enter on a Mac) is the
 * deliberate way to reach the agent; Shift+Enter is a new line.
 */
export function decideComposerKey(event: ComposerKey, state: ComposerState): DeliveryMode | null {
  if (event.key !== 'Enter' || event.isComposing || event.shiftKey || event.altKey) return null;
  if (event.ctrlKey || event.metaKey) return state.agentConfigured ? agentDelivery(state) : null;
  return 'chat';
}
