import { expect, it } from 'vitest';
import { liveFileText, readMeta } from '@tandem/shared/doc/accessors.js';
import type { EndSessionResponse, SessionResponse } from '@tandem/shared/protocol/http.js';
import { EXAMPLE_REPO } from '../../test-support/local-sandbox.js';
import { serverForFile, sessionWithPeople } from '../../test-support/server-per-file.js';
import { connectPeer, waitFor, waitForSync } from '../../test-support/test-server.js';
import { waitForAsync } from '../../test-support/wait.js';

const shared = serverForFile('resume');

it('ending a session keeps its workspace; a later session resumes from it, with a person’s last unsaved edit', async () => {
  const { ada, bob, sessionId, tab } = await sessionWithPeople(shared, 'Before the break', 'bob');
  const live = await shared.server.runtime!.ensureStarted(sessionId);
  await live.files;
  expect((await live.sandbox.exec('echo made-in-the-terminal > kept.txt')).exitCode).toBe(0);
  await shared.api.call('POST', `/sessions/${sessionId}/files/open`, bob.token, { path: 'README.md' });
  await waitFor(() => liveFileText(tab.doc, 'README.md') !== undefined, 'README.md live');
  // Bob types and the owner ends the session straight away: the edit must not be lost.
  liveFileText(tab.doc, 'README.md')!.insert(0, 'Edited just before the end.\n');

  expect((await shared.api.call('POST', `/sessions/${sessionId}/end`, bob.token)).status).toBe(403);
  // Resuming a session that has not ended is refused with what to do.
  expect(await shared.api.call('POST', '/sessions', bob.token, { title: 'Too early', repo: EXAMPLE_REPO, resumeFrom: sessionId })).toMatchObject({ status: 409 });
  // The edit reaches the server's doc (but, within the write debounce, not yet the sandbox).
  await waitForAsync(
    () => shared.server.docHost.change(sessionId, (doc) => liveFileText(doc, 'README.md')?.toString().startsWith('Edited') ?? false),
    'Bob’s edit to reach the server',
  );
  const ended = await shared.api.call<EndSessionResponse>('POST', `/sessions/${sessionId}/end`, ada.token);
  expect(ended.status).toBe(200);
  expect(ended.body.snapshotId).toMatch(/^snap_/);
  await waitFor(() => readMeta(tab.doc).sandboxState === 'stopped', 'the sandbox to stop');
  expect(readMeta(tab.doc)).toMatchObject({ status: 'done', endSnapshot: { id: ended.body.snapshotId } });
  // An ended session boots nothing: asking for a file says to resume.
  const refused = await shared.api.call<{ error: { message: string } }>('POST', `/sessions/${sessionId}/files/open`, bob.token, { path: 'README.md' });
  expect(refused).toMatchObject({ status: 409, body: { error: { message: expect.stringContaining('resume it in a new session') } } });

  const resumed = await shared.api.call<SessionResponse>('POST', '/sessions', bob.token, { title: 'After the break', repo: 'ignored', resumeFrom: sessionId });
  expect(resumed.status).toBe(201);
  expect(resumed.body.session).toMatchObject({ repo: EXAMPLE_REPO, role: 'owner' });
  const next = await shared.server.runtime!.ensureStarted(resumed.body.session.id);
  const read = async (path: string) => new TextDecoder().decode(await next.sandbox.readFile(path));
  expect(await read('kept.txt')).toBe('made-in-the-terminal\n');
  expect(await read('README.md')).toMatch(/^Edited just before the end\.\n/);
  // The snapshot's toolchain folder (package managers fetched at setup) came along with the workspace.
  expect(await next.sandbox.exec('test -d /opt/tandem && echo "$COREPACK_HOME"')).toMatchObject({ exitCode: 0, stdout: '/opt/tandem/corepack\n' });
  const nextTab = connectPeer(shared.server.url, resumed.body.session.id, bob.token);
  shared.peers.push(nextTab);
  await waitForSync(nextTab);
  expect(readMeta(nextTab.doc)).toMatchObject({ resumedFrom: { sessionId, snapshotId: ended.body.snapshotId }, sandboxSource: 'cold' });
});
