import { describe, expect, it } from 'vitest';
import { CloseCode } from '@tandem/shared/protocol/errors.js';
import { createLinkSockets, type LinkSocket } from './link-sockets.js';

function socket(linkId: string, allowed: boolean | Promise<boolean> = true, sessionId = 's_1') {
  const closes: number[] = [];
  const entry: LinkSocket = { sessionId, linkId, close: (code) => closes.push(code), stillAllowed: async () => allowed };
  return { entry, closes };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('link sockets', () => {
  it('revoking a link closes every socket it opened (sync, terminal), and no other', async () => {
    const sockets = createLinkSockets();
    const sync = socket('l_bob');
    const terminal = socket('l_bob');
    const other = socket('l_vic');
    for (const { entry } of [sync, terminal, other]) sockets.register(entry);
    await settle();
    expect(sockets.closeLink('s_1', 'l_bob')).toBe(2);
    expect([sync.closes, terminal.closes, other.closes]).toEqual([[CloseCode.AccessRevoked], [CloseCode.AccessRevoked], []]);
    expect(sockets.count('l_bob')).toBe(0);
  });

  it('a socket checked just before the revocation but registered just after it is closed by its own re-check', async () => {
    const sockets = createLinkSockets();
    sockets.closeLink('s_1', 'l_bob');
    const late = socket('l_bob', false);
    sockets.register(late.entry);
    await settle();
    expect(late.closes).toEqual([CloseCode.AccessRevoked]);
    expect(sockets.count('l_bob')).toBe(0);
  });

  it('a socket that closed on its own is forgotten', async () => {
    const sockets = createLinkSockets();
    const unregister = sockets.register(socket('l_bob').entry);
    unregister();
    expect(sockets.closeLink('s_1', 'l_bob')).toBe(0);
  });
});
