import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readAgentState, readTranscript } from '@tandem/shared/doc/accessors.js';
import type { ToolCallEntry } from '@tandem/shared/doc/schema.js';
import { MAX_TOOL_OUTPUT_DOC_CHARS } from '@tandem/shared/limits.js';
import { docUpdates } from '../db/schema.js';
import { FAKE_API_KEY, startFakeAnthropic, textReply, toolReply, type FakeAnthropic } from '../../test-support/fake-anthropic.js';
import { serverForFile } from '../../test-support/server-per-file.js';
import { connectPeer, waitFor, waitForSync, withModelAt } from '../../test-support/test-server.js';

/**
 * The agent's own tools that read the workspace without a shell: a file holding a secret's value,
 * read with read_file and searched with grep. Their results reach the doc, the store (the whole output
 * of a long one) and the next model request with the value replaced by its name. bash is redacted one
 * layer down (the sandbox's output), read_file is not: this is what tests the agent-side redaction.
 */

const VALUE = `sk-live-${randomBytes(12).toString('hex')}`;
const MARKER = '[secret API_TOKEN]';
const SECRET_FILE = 'config/creds.env';

/** A repo with the value committed in a file, once at the top and once past what the doc shows of a result. */
const REPO = mkdtempSync(path.join(os.tmpdir(), 'tandem-tool-redaction-repo-'));
mkdirSync(path.join(REPO, 'config'));
const padding = Array.from({ length: 300 }, (_, index) => `# line ${index} of padding, long enough to push the file past one screen`).join('\n');
writeFileSync(path.join(REPO, SECRET_FILE), `API_TOKEN=${VALUE}\n${padding}\nAPI_TOKEN_AGAIN=${VALUE}\n`);
writeFileSync(path.join(REPO, 'README.md'), '# tool output redaction\n');

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());
const shared = serverForFile('tool-redaction', { sandboxes: true }, (config) => ({
  ...withModelAt(fake.url, FAKE_API_KEY)(config),
  sandbox: { ...config.sandbox, repoRoots: [...config.sandbox.repoRoots, REPO] },
}));

const expectNoValue = (text: string, what: string) => expect(text.includes(VALUE), `${what} holds the value`).toBe(false);

it('read_file and grep on a file holding a secret: the doc, the stored output and the next model request have its name, not its value', async () => {
  await shared.server.secrets.put({ scope: 'repo', repo: REPO, name: 'API_TOKEN', value: VALUE, by: 'test' });
  const ada = await shared.api.identity('Ada');
  const bob = await shared.api.identity('Bob');
  const sessionId = await shared.api.createSession(ada.token, 'Read the secret file', REPO);
  await shared.api.join(bob.token, (await shared.api.share(ada.token, sessionId, 'viewer')).token);
  const tab = connectPeer(shared.server.url, sessionId, bob.token);
  shared.peers.push(tab);
  await waitForSync(tab);

  const first = fake.requests.length;
  fake.setScript((_request, index) => {
    if (index === first) return toolReply('read_file', { path: SECRET_FILE });
    if (index === first + 1) return toolReply('grep', { pattern: 'API_TOKEN', path: 'config' });
    return textReply('Read and searched.');
  });
  await shared.api.call('POST', `/sessions/${sessionId}/messages`, ada.token, { text: 'Look at the credentials file.', delivery: 'prompt' });
  await waitFor(() => ['done', 'failed', 'stopped'].includes(readAgentState(tab.doc)?.state ?? ''), 'the run to end', 90_000);
  expect(readAgentState(tab.doc)?.state).toBe('done');

  // The doc: both tool results, as every viewer sees them.
  const calls = readTranscript(tab.doc).filter((entry): entry is ToolCallEntry => entry.kind === 'tool-call');
  const read = calls.find((call) => call.name === 'read_file')!;
  const grep = calls.find((call) => call.name === 'grep')!;
  expect(read.output, 'read_file’s result in the doc').toContain(`API_TOKEN=${MARKER}`);
  expect(read.outputTruncated).toBe(true);
  expect(grep.output, 'grep’s result in the doc').toContain(`config/creds.env:1:API_TOKEN=${MARKER}`);
  expect(grep.output).toContain(`API_TOKEN_AGAIN=${MARKER}`);
  expectNoValue(JSON.stringify(tab.doc.toJSON()), 'the doc');

  // The store: read_file's whole result (longer than the doc shows) and every stored doc update.
  expect(read.output!.length).toBeLessThanOrEqual(MAX_TOOL_OUTPUT_DOC_CHARS + 200);
  const whole = await (await fetch(`${shared.server.url}/api/sessions/${sessionId}/tool-calls/${read.id}/output`, { headers: { authorization: `Bearer ${ada.token}` } })).text();
  expect(whole, 'read_file’s stored whole result').toContain(`API_TOKEN=${MARKER}`);
  expect(whole).toContain(`API_TOKEN_AGAIN=${MARKER}`);
  expectNoValue(whole, 'the stored whole output');
  const updates = await shared.server.database.db.select().from(docUpdates);
  expectNoValue(Buffer.concat(updates.map((row) => Buffer.from(row.data))).toString('latin1'), 'the stored doc updates');

  // The model: the requests after each tool result carry the name.
  const afterRead = JSON.stringify(fake.requests[first + 1]!.body.messages);
  const afterGrep = JSON.stringify(fake.requests[first + 2]!.body.messages);
  expect(afterRead, 'the model request after read_file').toContain(`API_TOKEN=${MARKER}`);
  expect(afterGrep, 'the model request after grep').toContain(`API_TOKEN_AGAIN=${MARKER}`);
  expectNoValue(afterRead, 'the model request after read_file');
  expectNoValue(afterGrep, 'the model request after grep');
}, 150_000);
