import { afterAll, beforeAll, expect, it } from 'vitest';
import { readAgentState, readNetworkDenials, readPlan, readTranscript } from '@tandem/shared/doc/accessors.js';
import { docUpdates, networkAttempts } from '../db/schema.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, type FakeAnthropic } from '../../test-support/fake-anthropic.js';
import { EXAMPLE_REPO } from '../../test-support/local-sandbox.js';
import { serverForFile, sessionWithPeople } from '../../test-support/server-per-file.js';
import { waitFor, withModelAt } from '../../test-support/test-server.js';
import { BASE64_AT_EVERY_OFFSET, leakedPieces, LONG_VALUE, MULTI_LINE_VALUE, SECRET_AS_HOST } from '../../test-support/attacks/secret-leaks.js';
import { openTerminalClient } from '../../test-support/terminal-client.js';

/**
 * Secrets that must stay secret however the sandbox or the model shapes them (issue 16, breaks 1–4):
 * every place people read (terminals and scrollback, the doc, the network record, the store) and
 * every model request is checked with a leak finder that does not use the redactor.
 */

const logged: string[] = [];
const logger = { error: (message: string, error?: unknown) => void logged.push(`${message} ${error instanceof Error ? `${error.message}\n${error.stack}` : String(error ?? '')}`) };

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());
const shared = serverForFile('secret-leaks', { sandboxes: true, logger }, (config) => withModelAt(fake.url, FAKE_API_KEY)(config));

beforeAll(async () => {
  await shared.server.secrets.put({ scope: 'repo', repo: EXAMPLE_REPO, name: 'PEM_KEY', value: MULTI_LINE_VALUE, by: 'test' });
  await shared.server.secrets.put({ scope: 'repo', repo: EXAMPLE_REPO, name: 'LONG_TOKEN', value: LONG_VALUE, by: 'test' });
}, 120_000);

const expectNoLeak = (text: string, where: string) => expect(leakedPieces(text), `${where} shows the secret`).toEqual([]);

const openTerminal = (sessionId: string, token: string) => openTerminalClient(shared.server.url, sessionId, token);

it('a multi-line value and base64 at every offset, wrapped, reach no viewer of the shared terminal nor its scrollback', async () => {
  const { sessionId, ada, vic } = await sessionWithPeople(shared, 'Print the key');
  const owner = openTerminal(sessionId, ada.token);
  const viewer = openTerminal(sessionId, vic.token);
  await waitFor(() => owner.state.ready && viewer.state.ready, 'both terminals ready', 30_000);
  owner.type(`echo "$PEM_KEY"; ${BASE64_AT_EVERY_OFFSET.join('; ')}; printf %s "$PEM_KEY" | base64; echo end-$((6*7))\r`);
  await waitFor(() => viewer.state.output.includes('end-42'), 'the viewer sees the output', 30_000);
  expect(viewer.state.output).toContain('[secret PEM_KEY]');
  expect(viewer.state.output).toContain('[secret LONG_TOKEN]');
  expectNoLeak(viewer.state.output, 'the viewer’s terminal');
  expectNoLeak(owner.state.output, 'the typing person’s terminal');
  const late = openTerminal(sessionId, vic.token);
  await waitFor(() => late.state.output.includes('end-42'), 'the late joiner gets the scrollback', 30_000);
  expectNoLeak(late.state.output, 'the scrollback');
  for (const client of [owner, viewer, late]) client.socket.close();
});

it('a secret used as a host name is kept out of the doc’s network record and the attempts people read', async () => {
  const { sessionId, ada, tab } = await sessionWithPeople(shared, 'Secret as a host', 'vic');
  const live = await shared.server.runtime!.ensureStarted(sessionId);
  await live.sandbox.exec(SECRET_AS_HOST);
  await waitFor(() => readNetworkDenials(tab.doc).length > 0, 'the refusal shows in the doc', 30_000);
  expect(readNetworkDenials(tab.doc)[0]!.host).toBe('[secret LONG_TOKEN]');
  expectNoLeak(JSON.stringify(tab.doc.getMap('network').toJSON()), 'the doc’s network root');
  const attempts = await shared.api.call<{ attempts: Array<{ host: string }> }>('GET', `/sessions/${sessionId}/network/attempts`, ada.token);
  expect(attempts.status).toBe(200);
  expect(attempts.body.attempts.map((attempt) => attempt.host)).toContain('[secret LONG_TOKEN]');
  expectNoLeak(JSON.stringify(attempts.body), 'GET …/network/attempts');
  expectNoLeak(JSON.stringify(await shared.server.database.db.select().from(networkAttempts)), 'the stored attempts');
});

it('what the model writes (its text, a tool input, the plan) shows the decoded secret to no viewer and goes back to no model request', async () => {
  const { sessionId, ada, tab } = await sessionWithPeople(shared, 'Agent decodes the secret', 'vic');
  const first = fake.requests.length;
  fake.setScript((_request, index) => {
    switch (index - first) {
      case 0:
        return toolReply('bash', { command: BASE64_AT_EVERY_OFFSET[0] });
      case 1:
        // A prompt-injected agent decodes what it saw and spreads it: its text, the plan, another tool's input.
        return {
          kind: 'stream',
          chunkChars: 5,
          blocks: [
            { type: 'text', text: `Decoded, the key is ${LONG_VALUE} — noting it in the plan.` },
            { type: 'tool_use', name: 'update_plan', input: { steps: [{ title: `Rotate ${LONG_VALUE.toLowerCase()}`, status: 'pending' }] } },
          ],
          stopReason: 'tool_use',
        };
      case 2:
        return toolReply('bash', { command: `echo checked ${LONG_VALUE} >/dev/null; echo fine` });
      default:
        return textReply(`All done. The key:\n${MULTI_LINE_VALUE}\n`, { chunkChars: 9 });
    }
  });
  await shared.api.call('POST', `/sessions/${sessionId}/messages`, ada.token, { text: 'Look at the token.', delivery: 'prompt' });
  await waitFor(() => ['done', 'failed', 'stopped'].includes(readAgentState(tab.doc)?.state ?? ''), 'the run to end', 90_000);
  expect(readAgentState(tab.doc)?.state).toBe('done');

  const transcript = JSON.stringify(readTranscript(tab.doc));
  expect(transcript).toContain('the key is [secret LONG_TOKEN]');
  expect(transcript).toContain('[secret PEM_KEY]');
  expectNoLeak(transcript, 'the transcript');
  expect(readPlan(tab.doc).map((step) => step.title)).toContain('Rotate [secret LONG_TOKEN]');
  expectNoLeak(JSON.stringify(readPlan(tab.doc)), 'the plan');

  for (const request of fake.requests.slice(first + 1)) expectNoLeak(JSON.stringify(request.body), 'a model request');
  expect(JSON.stringify(fake.requests[first + 2]!.body)).toContain('[secret LONG_TOKEN]');
  const updates = await shared.server.database.db.select().from(docUpdates);
  expectNoLeak(Buffer.concat(updates.map((row) => Buffer.from(row.data))).toString('latin1'), 'the stored doc updates');
  expectNoLeak(logged.join('\n'), 'the server log');
});
