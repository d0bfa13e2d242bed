import { connectPeer, waitForSync, type TestPeer } from './test-server.js';

/** Like waitFor, for a check that has to ask asynchronously (the server's doc, a file in a sandbox). */
export async function waitForAsync(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A new tab, synced: everything it holds came from the server, as the server had it when the tab
 * connected. A barrier (the server has applied every write it answered before) and a way to check
 * what the server kept with no earlier tab around to re-send it.
 */
export async function connectSyncedPeer(baseUrl: string, sessionId: string, token: string | undefined): Promise<TestPeer> {
  const peer = connectPeer(baseUrl, sessionId, token);
  try {
    await waitForSync(peer);
  } catch (error) {
    peer.destroy();
    throw error;
  }
  return peer;
}
