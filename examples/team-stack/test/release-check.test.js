import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const tool = fileURLToPath(new URL('../bin/release-check.js', import.meta.url));

test('the session has the TEAM_STACK_TOKEN secret', () => {
  assert.ok(process.env.TEAM_STACK_TOKEN, 'TEAM_STACK_TOKEN is not set: an owner sets it in the Secrets panel');
});

test('the release tool signs with the token and never prints it', async () => {
  const { stdout } = await run(process.execPath, [tool]);
  const [, total, signature] = /total=(\S+) signature=([0-9a-f]{64})/.exec(stdout) ?? [];
  assert.ok(signature, `unexpected output: ${stdout}`);
  assert.equal(signature, createHmac('sha256', process.env.TEAM_STACK_TOKEN).update(`total=${total}`).digest('hex'));
  assert.ok(!stdout.includes(process.env.TEAM_STACK_TOKEN));
});

test('without the token the release tool says what is missing', async () => {
  const { TEAM_STACK_TOKEN: _unset, ...environment } = process.env;
  await assert.rejects(run(process.execPath, [tool], { env: environment }), (error) => error.code === 1 && /TEAM_STACK_TOKEN is not set/.test(error.stderr));
});
