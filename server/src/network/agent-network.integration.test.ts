import type { MessageParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readNetworkDenials } from '@tandem/shared/doc/accessors.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, type FakeAnthropic } from '../../test-support/fake-anthropic.js';
import { serverForFile, sessionWithPeople } from '../../test-support/server-per-file.js';
import { waitFor, withModelAt } from '../../test-support/test-server.js';

/**
 * The agent's own bash tool against the policy: a host the session's policy does not name is refused
 * by the proxy, the model gets a result it can act on (who refused, which host, what a person can do),
 * and everyone sees the attempt in the doc.
 */
let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});
const shared = serverForFile('agent-network', { sandboxes: true }, (config) => withModelAt(fake.url, FAKE_API_KEY)(config));

function toolResultText(message: MessageParam | undefined): string {
  if (!message || typeof message.content === 'string') return '';
  return message.content
    .flatMap((block) => (block.type === 'tool_result' ? [block as ToolResultBlockParam] : []))
    .map((block) => (typeof block.content === 'string' ? block.content : (block.content ?? []).map((part) => ('text' in part ? part.text : '')).join('')))
    .join('\n');
}

it('the agent’s curl to an unlisted host is refused with a reason it can act on, and the attempt shows in the doc', async () => {
  const team = await sessionWithPeople(shared, 'Agent reaches out');
  const offset = fake.requests.length;
  fake.setScript((_request, index) =>
    index === offset ? toolReply('bash', { command: 'curl -sS http://docs.unlisted.example/page; echo "curl exit $?"' }, 'Fetching the doc page.') : textReply('The page is blocked; asking a person to allow it.'),
  );
  const sent = await shared.api.call('POST', `/sessions/${team.sessionId}/messages`, team.ada.token, { text: 'Read docs.unlisted.example/page', delivery: 'prompt' });
  expect(sent.status).toBe(201);
  await waitFor(() => fake.requests.length >= offset + 2, 'the tool result to reach the model', 60_000);

  const result = toolResultText(fake.requests[offset + 1]!.body.messages.at(-1));
  expect(result).toContain('docs.unlisted.example');
  expect(result).toMatch(/network policy refused/);
  // What to do next, for the model to tell the people: an editor can allow it for this session.
  expect(result).toContain('"Allow for this session"');
  expect(result).toMatch(/curl exit 22|curl exit 0/);
  await waitFor(() => readNetworkDenials(team.tab.doc).some((denial) => denial.host === 'docs.unlisted.example' && denial.phase === 'session'), 'the denial in the doc', 20_000);
});
