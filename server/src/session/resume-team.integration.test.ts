import { afterAll, beforeAll, expect, it } from 'vitest';
import { readAgentState, readMeta, readPlan, readTranscript } from '@tandem/shared/doc/accessors.js';
import type { EndSessionResponse, SessionResponse, ShareLinkListResponse } from '@tandem/shared/protocol/http.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, userTexts, type FakeAnthropic } from '../../test-support/fake-anthropic.js';
import { serverForFile, sessionWithPeople } from '../../test-support/server-per-file.js';
import { connectPeer, waitFor, waitForSync, withModelAt, type TestPeer } from '../../test-support/test-server.js';

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());
const shared = serverForFile('resume-team', { sandboxes: true }, (config) => withModelAt(fake.url, FAKE_API_KEY)(config));

const RUN_ENDED = ['done', 'failed', 'stopped'];

async function runToEnd(tab: TestPeer, sessionId: string, token: string, text: string) {
  const before = readAgentState(tab.doc)?.runId;
  const sent = await shared.api.call('POST', `/sessions/${sessionId}/messages`, token, { text, delivery: 'prompt' });
  expect(sent.status).toBe(201);
  await waitFor(() => readAgentState(tab.doc)?.runId !== before && RUN_ENDED.includes(readAgentState(tab.doc)?.state ?? ''), 'the run to end', 45_000);
  expect(readAgentState(tab.doc)?.state).toBe('done');
}

it('a resumed session keeps the plan, the conversation (the agent remembers it), the people and their roles; the ended one links to it', async () => {
  const { ada, bob, vic, sessionId, tab: bobsOldTab } = await sessionWithPeople(shared, 'Before the break', 'bob');
  const offset = fake.requests.length;
  fake.setScript((_request, index) =>
    index === offset
      ? {
          kind: 'stream',
          stopReason: 'tool_use',
          blocks: [
            { type: 'text', text: 'Running the check.' },
            { type: 'tool_use', name: 'bash', input: { command: 'echo remembered-$((40+2))' } },
            { type: 'tool_use', name: 'update_plan', input: { steps: [{ title: 'Run the check', status: 'done' }] } },
          ],
        }
      : index === offset + 1
        ? textReply('The check printed remembered-42.')
        : textReply('Before the break, the check printed remembered-42.'),
  );
  await runToEnd(bobsOldTab, sessionId, ada.token, 'Run the check.');
  expect(readPlan(bobsOldTab.doc).map((step) => step.title)).toEqual(['Run the check']);

  const ended = await shared.api.call<EndSessionResponse>('POST', `/sessions/${sessionId}/end`, ada.token);
  expect(ended.status).toBe(200);
  // Bob (an editor) resumes: by the rule resume has always had, he owns the new session.
  const resumed = await shared.api.call<SessionResponse>('POST', '/sessions', bob.token, { title: 'After the break', repo: 'ignored', resumeFrom: sessionId });
  expect(resumed.status).toBe(201);
  const nextId = resumed.body.session.id;
  expect(resumed.body.session.role).toBe('owner');

  // The old tab, still open on the ended session, is told where it continues (mirrored from the store).
  await waitFor(() => readMeta(bobsOldTab.doc).continuedIn?.sessionId === nextId, 'the ended session to link to its continuation');
  expect(readMeta(bobsOldTab.doc).continuedIn).toEqual({ sessionId: nextId, title: 'After the break' });

  // Everyone keeps a role: Ada (the previous owner) edits, Vic still watches; a stranger has none.
  const roleOf = async (token: string) => (await shared.api.call<SessionResponse>('GET', `/sessions/${nextId}`, token)).body.session?.role;
  expect(await roleOf(ada.token)).toBe('editor');
  expect(await roleOf(vic.token)).toBe('viewer');
  const eve = await shared.api.identity('Eve');
  expect((await shared.api.call('GET', `/sessions/${nextId}`, eve.token)).status).toBe(403);

  // The plan and the conversation are there, with a note saying where they came from.
  const adasTab = connectPeer(shared.server.url, nextId, ada.token);
  shared.peers.push(adasTab);
  await waitForSync(adasTab);
  expect(readPlan(adasTab.doc)).toEqual([expect.objectContaining({ title: 'Run the check', status: 'done' })]);
  const carried = readTranscript(adasTab.doc);
  expect(carried).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ kind: 'user-message', authorName: 'Ada', text: 'Run the check.' }),
      expect.objectContaining({ kind: 'tool-call', name: 'bash', status: 'done', output: expect.stringContaining('remembered-42') }),
      expect.objectContaining({ kind: 'assistant-text', text: 'The check printed remembered-42.', streaming: false }),
    ]),
  );
  expect(carried.at(-1)).toMatchObject({ kind: 'system-notice', text: expect.stringContaining('Resumed from “Before the break”') });

  // The agent of the new session remembers the earlier run: its first request carries it.
  const firstOfResumed = fake.requests.length;
  await runToEnd(adasTab, nextId, ada.token, 'What did the check print?');
  const messages = fake.requests[firstOfResumed]!.body.messages;
  expect(userTexts(messages)[0]).toBe('[Ada asks]\nRun the check.');
  expect(JSON.stringify(messages)).toContain('remembered-42');
  expect(userTexts([messages.at(-1)!])).toContain('[Ada asks]\nWhat did the check print?');

  // The new owner sees the carried access as links of their own and can end it like any link's.
  const links = (await shared.api.call<ShareLinkListResponse>('GET', `/sessions/${nextId}/links`, bob.token)).body.links;
  expect(links).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ role: 'editor', joinCount: 1, carriedFrom: { sessionId, title: 'Before the break' } }),
      expect.objectContaining({ role: 'viewer', joinCount: 1, carriedFrom: { sessionId, title: 'Before the break' } }),
    ]),
  );
  const viewerLink = links.find((link) => link.role === 'viewer')!;
  expect((await shared.api.call('DELETE', `/sessions/${nextId}/links/${viewerLink.id}`, bob.token)).status).toBe(200);
  expect((await shared.api.call('GET', `/sessions/${nextId}`, vic.token)).status).toBe(403);
});
