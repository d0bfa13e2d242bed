import { describe, expect, it } from 'vitest';
import { decideSandboxRestart, type LiveSandboxStatus } from './sandbox-restart.js';

const open = { endedAt: null };
const ended = { endedAt: new Date(1) };

describe('retrying a sandbox start', () => {
  it('an editor or the owner starts a failed (or never started) sandbox again', () => {
    for (const sandbox of ['failed', 'none'] as LiveSandboxStatus[]) {
      expect(decideSandboxRestart({ action: 'retry', role: 'editor', sandbox, ...open })).toEqual({ kind: 'start' });
      expect(decideSandboxRestart({ action: 'retry', role: 'owner', sandbox, ...open })).toEqual({ kind: 'start' });
    }
  });

  it('a running or starting sandbox is left as it is', () => {
    expect(decideSandboxRestart({ action: 'retry', role: 'editor', sandbox: 'running', ...open })).toEqual({ kind: 'already', sandbox: 'running' });
    expect(decideSandboxRestart({ action: 'retry', role: 'editor', sandbox: 'starting', ...open })).toEqual({ kind: 'already', sandbox: 'starting' });
  });

  it('a viewer is denied; an ended session is a conflict, whoever asks', () => {
    expect(decideSandboxRestart({ action: 'retry', role: 'viewer', sandbox: 'failed', ...open })).toMatchObject({ kind: 'refused', reason: 'denied' });
    expect(decideSandboxRestart({ action: 'retry', role: 'owner', sandbox: 'none', ...ended })).toMatchObject({ kind: 'refused', reason: 'conflict' });
  });
});

describe('changing the repo', () => {
  it('only the owner, only while no sandbox runs or starts', () => {
    expect(decideSandboxRestart({ action: 'change-repo', role: 'owner', sandbox: 'failed', ...open })).toEqual({ kind: 'start' });
    expect(decideSandboxRestart({ action: 'change-repo', role: 'owner', sandbox: 'none', ...open })).toEqual({ kind: 'start' });
    expect(decideSandboxRestart({ action: 'change-repo', role: 'editor', sandbox: 'failed', ...open })).toMatchObject({ kind: 'refused', reason: 'denied' });
    expect(decideSandboxRestart({ action: 'change-repo', role: 'viewer', sandbox: 'failed', ...open })).toMatchObject({ kind: 'refused', reason: 'denied' });
    expect(decideSandboxRestart({ action: 'change-repo', role: 'owner', sandbox: 'running', ...open })).toMatchObject({ kind: 'refused', reason: 'conflict' });
    expect(decideSandboxRestart({ action: 'change-repo', role: 'owner', sandbox: 'starting', ...open })).toMatchObject({ kind: 'refused', reason: 'conflict' });
    expect(decideSandboxRestart({ action: 'change-repo', role: 'owner', sandbox: 'failed', ...ended })).toMatchObject({ kind: 'refused', reason: 'conflict' });
  });
});
