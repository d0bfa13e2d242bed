import { expect, it } from 'vitest';
import type * as Y from 'yjs';
import { liveFileText, readFileListing, readTranscript } from '@tandem/shared/doc/accessors.js';
import type { ChangesResponse } from '@tandem/shared/protocol/http.js';
import { serverForFile, sessionWithPeople } from '../../../test-support/server-per-file.js';
import { waitFor } from '../../../test-support/test-server.js';

const shared = serverForFile('files');

async function liveSession(title: string) {
  const { ada, vic, sessionId, tab } = await sessionWithPeople(shared, title);
  const live = await shared.server.runtime!.ensureStarted(sessionId);
  await live.files;
  const sandbox = live.sandbox;
  const sh = async (command: string) => {
    const result = await sandbox.exec(command);
    expect(result.exitCode, result.stderr).toBe(0);
    return result.stdout;
  };
  const fileText = async (path: string) => new TextDecoder().decode(await sandbox.readFile(path));
  const sandboxHas = (path: string) => sandbox.readFile(path).then(() => true, () => false);
  const paths = () => readFileListing(tab.doc).map((file) => file.path);
  const text = (path: string) => liveFileText(tab.doc, path)?.toString();
  const open = (token: string, path: string) => shared.api.call('POST', `/sessions/${sessionId}/files/open`, token, { path });
  return { ada, vic, sessionId, tab, sh, fileText, sandboxHas, paths, text, open };
}

const edit = (doc: Y.Doc, path: string, change: (text: Y.Text) => void) => change(liveFileText(doc, path)!);

it('lists the tree without .git and ignored paths, and opens text files for anyone while refusing binary ones', async () => {
  const s = await liveSession('Tree');
  await waitFor(() => s.paths().includes('src/slugify.js'), 'the tree to be listed', 10_000);
  expect(s.paths()).toEqual(expect.arrayContaining(['package.json', 'src/slugify.js', 'test/slugify.test.js', '.gitignore']));
  await s.sh('echo noise > debug.log && mkdir -p node_modules/x && echo x > node_modules/x/index.js && printf "\\x00\\x01" > blob.bin');
  await waitFor(() => s.paths().includes('blob.bin'), 'the new binary file', 5_000);
  expect(s.paths().some((path) => path.endsWith('.log') || path.startsWith('node_modules/') || path.startsWith('.git/'))).toBe(false);
  expect(readFileListing(s.tab.doc).find((file) => file.path === 'blob.bin')).toMatchObject({ kind: 'binary', live: false });

  // A viewer may open a file (it only loads it); nobody may open a binary one or leave the workspace.
  expect((await s.open(s.vic.token, 'src/slugify.js')).status).toBe(200);
  await waitFor(() => s.text('src/slugify.js')?.includes('export function slugify') ?? false, 'the file to be live');
  expect(await s.open(s.ada.token, 'blob.bin')).toMatchObject({ status: 415 });
  expect(await s.open(s.ada.token, '../../etc/passwd')).toMatchObject({ status: 400 });
  expect((await shared.api.call('POST', `/sessions/${s.sessionId}/files/delete`, s.vic.token, { path: 'src/slugify.js' })).status).toBe(403);
});

it('a command in the sandbox (sed -i) shows up in the doc, and a person’s edit in the doc shows up in the sandbox', async () => {
  const s = await liveSession('Both ways');
  await s.open(s.ada.token, 'src/slugify.js');
  await waitFor(() => s.text('src/slugify.js') !== undefined, 'live file');

  // A person's edit reaches the sandbox, and is never echoed back into the doc. The sandbox reports the
  // changes to one file in order, so once a later change made in the sandbox is in the doc, an echo of
  // Ada's write would be too: the doc then holds her line exactly once.
  edit(s.tab.doc, 'src/slugify.js', (text) => text.insert(0, '// edited by Ada\n'));
  await expect.poll(() => s.fileText('src/slugify.js'), { timeout: 5_000 }).toMatch(/^\/\/ edited by Ada\n/);
  const info = () => readFileListing(s.tab.doc).find((file) => file.path === 'src/slugify.js');
  // The tree is updated once the write is done, which may be after the file shows the edit.
  await waitFor(() => info()?.lastWriter === 'Ada', 'the tree to name Ada as the last writer');
  expect(info()).toMatchObject({ changedInSession: true, lastWriter: 'Ada', live: true });
  await s.sh(`echo '// later, from the sandbox' >> src/slugify.js`);
  await waitFor(() => s.text('src/slugify.js')?.includes('// later, from the sandbox') ?? false, 'the later sandbox change in the doc', 5_000);
  expect(s.text('src/slugify.js')!.match(/edited by Ada/g)).toHaveLength(1);

  await s.sh(`sed -i 's/@param {string} title/@param {string} title the heading/' src/slugify.js`);
  await waitFor(() => s.text('src/slugify.js')?.includes('the heading') ?? false, 'the sed edit in the doc', 5_000);
  // sed -i replaced the file (a new one renamed over it): later changes to it are still seen.
  await s.sh(`echo '// after sed' >> src/slugify.js`);
  await waitFor(() => s.text('src/slugify.js')?.includes('// after sed') ?? false, 'a change after the file was replaced, in the doc', 5_000);

  // At the same time: a command appends at the end and, before the server has read that change, Ada types
  // at the top; both stay, in the doc and the file. (Two writers of one file on disk at the very same
  // instant cannot both win; the merge covers a change on either side the other has not seen yet.)
  await s.sh(`echo '// appended by a script' >> src/slugify.js`);
  edit(s.tab.doc, 'src/slugify.js', (text) => text.insert(0, '// typing…\n'));
  const both = (content: string | undefined) => (content?.includes('// typing…') && content.includes('// appended by a script')) ?? false;
  await waitFor(() => both(s.text('src/slugify.js')), 'both changes in the doc', 5_000);
  await expect.poll(async () => both(await s.fileText('src/slugify.js')), { timeout: 5_000 }).toBe(true);
  expect(s.text('src/slugify.js')).toBe(await s.fileText('src/slugify.js'));
});

it('reflects create, delete and rename both ways, and lists the session’s changes with diffs', async () => {
  const s = await liveSession('Create delete rename');
  await waitFor(() => s.paths().includes('README.md'), 'the tree');

  await s.sh('mkdir -p docs && echo "# Notes" > docs/notes.md');
  await waitFor(() => s.text('docs/notes.md') === '# Notes\n', 'a created file to be live in the doc', 5_000);
  await s.sh('mv docs/notes.md docs/renamed.md');
  await waitFor(() => s.paths().includes('docs/renamed.md') && !s.paths().includes('docs/notes.md'), 'a rename in the sandbox', 5_000);
  await s.sh('rm README.md');
  await waitFor(() => !s.paths().includes('README.md'), 'a delete in the sandbox', 5_000);

  const renamed = await shared.api.call('POST', `/sessions/${s.sessionId}/files/rename`, s.ada.token, { from: 'docs/renamed.md', to: 'docs/final.md' });
  expect(renamed.status).toBe(200);
  await waitFor(() => s.paths().includes('docs/final.md') && !s.paths().includes('docs/renamed.md'), 'a rename from the doc side', 5_000);
  expect(await s.fileText('docs/final.md')).toBe('# Notes\n');
  expect((await shared.api.call('POST', `/sessions/${s.sessionId}/files/delete`, s.ada.token, { path: 'docs/final.md' })).status).toBe(200);
  await waitFor(() => !s.paths().includes('docs/final.md'), 'a delete from the doc side', 5_000);
  expect(await s.sandboxHas('docs/final.md')).toBe(false);

  await s.sh(`sed -i 's/lower case/lower-case/' src/slugify.js && echo "new" > added.txt`);
  await waitFor(() => s.paths().includes('added.txt') && (s.text('src/slugify.js')?.includes('lower-case') ?? false), 'changes', 5_000);
  const { body } = await shared.api.call<ChangesResponse>('GET', `/sessions/${s.sessionId}/changes`, s.vic.token);
  const byPath = Object.fromEntries(body.changes.map((change) => [change.path, change]));
  expect(byPath['src/slugify.js']).toMatchObject({ status: 'modified', diff: expect.stringContaining('- * Turns a title into a URL slug: lower case') });
  expect(byPath['src/slugify.js']!.diff).toContain('+ * Turns a title into a URL slug: lower-case');
  expect(byPath['added.txt']).toMatchObject({ status: 'added', diff: expect.stringContaining('+new') });
  expect(byPath['README.md']).toMatchObject({ status: 'deleted' });
  expect(readTranscript(s.tab.doc).filter((entry) => entry.kind === 'system-notice' && entry.level === 'error')).toEqual([]);
});
