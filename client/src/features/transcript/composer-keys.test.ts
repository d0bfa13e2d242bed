import { expect, it } from 'vitest';
import { decideComposerKey, type ComposerKey, type ComposerState } from './composer-keys.js';

const key = (patch: Partial<ComposerKey> = {}): ComposerKey => ({ key: 'Enter', shiftKey: false, altKey: false, ctrlKey: false, metaKey: false, isComposing: false, ...patch });
const idle: ComposerState = { agentConfigured: true, agentActive: false, steerMode: 'steer' };

it('a plain Enter talks to people only, whatever the agent is doing', () => {
  expect(decideComposerKey(key(), idle)).toBe('chat');
  expect(decideComposerKey(key(), { ...idle, agentActive: true })).toBe('chat');
  expect(decideComposerKey(key(), { ...idle, agentConfigured: false })).toBe('chat');
});

it('Ctrl+Enter or ⌘+Enter reaches the agent: asks when idle, steers, queues or interrupts as chosen while it runs', () => {
  expect(decideComposerKey(key({ ctrlKey: true }), idle)).toBe('prompt');
  expect(decideComposerKey(key({ metaKey: true }), idle)).toBe('prompt');
  expect(decideComposerKey(key({ ctrlKey: true }), { ...idle, agentActive: true, steerMode: 'queue' })).toBe('queue');
  expect(decideComposerKey(key({ metaKey: true }), { ...idle, agentActive: true, steerMode: 'interrupt' })).toBe('interrupt');
  // With no agent on this server there is nothing to ask.
  expect(decideComposerKey(key({ ctrlKey: true }), { ...idle, agentConfigured: false })).toBeNull();
});

it('Shift+Enter, an input method’s Enter and other keys stay with the text box', () => {
  expect(decideComposerKey(key({ shiftKey: true }), idle)).toBeNull();
  expect(decideComposerKey(key({ altKey: true }), idle)).toBeNull();
  expect(decideComposerKey(key({ isComposing: true }), idle)).toBeNull();
  expect(decideComposerKey(key({ key: 'a' }), idle)).toBeNull();
});
