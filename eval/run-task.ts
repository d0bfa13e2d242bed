import { readAgentState } from '@tandem/shared/doc/accessors.js';
import { readRun } from '@tandem/shared/doc/run-accessors.js';
import type { RunView } from '@tandem/shared/doc/run-schema.js';
import type { AgentState } from '@tandem/shared/doc/schema.js';
import type { RunResponse } from '@tandem/shared/protocol/runs.js';
import { estimateCostUsd } from '../server/src/model/pricing.js';
import type { RunningServer } from '../server/src/server.js';
import { connectPeer, waitFor, type apiClient } from '../server/test-support/test-server.js';
import { runAcceptance } from './acceptance.js';
import type { TaskResult } from './eval-results.js';
import type { EvalTask } from './task-suite.js';

/** How long the eval's tab may take to sync a new session's doc (a loaded 2-core machine is slow). */
export const DOC_SYNC_TIMEOUT_MS = 30_000;

export interface TaskRunContext {
  server: RunningServer;
  api: ReturnType<typeof apiClient>;
  /** The eval's identity: it owns every session and starts every run. */
  token: string;
  modelName: string;
  runTimeoutMs: number;
}

const ended = (run: RunView | undefined): run is RunView => run !== undefined && run.state !== 'running' && run.state !== 'waiting';

/**
 * One task through one blueprint, all through the server's real paths: a session on the task's repo,
 * the run started over HTTP, watched from a synced tab of the doc (the run root, and the agent's spend
 * per agent node), then the hidden acceptance check on the final workspace.
 */
export async function runTask(context: TaskRunContext, task: EvalTask, blueprint: string, repoDir: string): Promise<TaskResult> {
  const { api, token } = context;
  const result: TaskResult = {
    task: task.name,
    blueprint,
    success: false,
    runState: 'error',
    acceptance: { passed: 0, failed: 0 },
    turns: 0,
    agentRuns: 0,
    fixRounds: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    wallMs: 0,
  };
  const sessionId = await api.createSession(token, `Eval: ${task.title} (${blueprint})`, repoDir);
  const tab = connectPeer(context.server.url, sessionId, token);
  // Each agent node is its own agent run in meta.agent; the last state seen of each is what it spent.
  const spentByRun = new Map<string, AgentState>();
  tab.doc.on('update', () => {
    const agent = readAgentState(tab.doc);
    if (agent?.runId) spentByRun.set(agent.runId, agent);
  });
  try {
    await waitFor(() => tab.provider.synced, 'the session doc to sync', DOC_SYNC_TIMEOUT_MS);
    const started = await api.call<RunResponse | { error: { message: string } }>('POST', `/sessions/${sessionId}/runs`, token, { blueprint, goal: task.goal });
    if (started.status !== 201) {
      const refusal = (started.body as { error: { message: string } }).error.message;
      // An unknown name: the server's message lists the ones this session offers.
      result.error = started.status === 400 ? `${refusal} (pick one of them with --blueprint)` : refusal;
      return result;
    }
    try {
      await waitFor(() => ended(readRun(tab.doc)), `the ${blueprint} run of ${task.name} to end`, context.runTimeoutMs);
    } catch {
      await api.call('POST', `/sessions/${sessionId}/runs/current/stop`, token);
      result.error = `the run did not end within ${context.runTimeoutMs / 1000} s and was stopped`;
    }
    const run = readRun(tab.doc);
    if (run) {
      result.runState = ended(run) ? run.state : 'error';
      result.wallMs = (run.endedAt ?? Date.now()) - run.startedAt;
      result.nodes = run.nodes.map((node) => ({ id: node.id, status: node.status, attempt: node.attempt }));
      result.fixRounds = run.nodes.filter((node) => node.kind === 'fix').reduce((total, node) => total + node.attempt, 0);
    }
    const spent = [...spentByRun.values()];
    result.agentRuns = spent.length;
    result.turns = spent.reduce((total, agent) => total + agent.turns, 0);
    result.inputTokens = spent.reduce((total, agent) => total + agent.inputTokens, 0);
    result.outputTokens = spent.reduce((total, agent) => total + agent.outputTokens, 0);
    result.costUsd = estimateCostUsd(context.modelName, result.inputTokens, result.outputTokens);

    const live = await context.server.runtime!.ensureStarted(sessionId);
    const acceptance = await runAcceptance(live.sandbox, task);
    result.acceptance = acceptance.tests;
    result.success = acceptance.passed && result.error === undefined;
    if (!acceptance.passed) result.acceptanceOutput = acceptance.output;
    return result;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    return result;
  } finally {
    tab.destroy();
    await api.call('POST', `/sessions/${sessionId}/end`, token).catch(() => {});
  }
}
