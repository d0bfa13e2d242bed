/* Over 350 lines: its node executors (a switch over every node kind) are still to move into one module per kind in a registry, the part of issue 18 not done yet. */
import { randomBytes } from 'node:crypto';
import type * as Y from 'yjs';
import { appendTranscriptEntry, readPlan, readTranscript } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import { writeRun } from '@tandem/shared/doc/run-accessors.js';
import { MAX_NODE_EXCERPT_CHARS, type RunView } from '@tandem/shared/doc/run-schema.js';
import type { SystemNoticeEntry } from '@tandem/shared/doc/schema.js';
import type { AgentRunOutcome, RunBudget } from '../agent/agent-run.js';
import type { PersonMessage } from '../agent/conversation.js';
import { AGENT_TOOLS } from '../agent/tools/index.js';
import type { AgentTool } from '../agent/tools/tool.js';
import type { Sandbox } from '../sandbox/provider.js';
import type { Blueprint, BlueprintNode } from './blueprint-schema.js';
import { describeFailures } from './checks/parse-check-output.js';
import { ChecksMemory } from './checks/checks-memory.js';
import { runChecks } from './checks/run-checks.js';
import { outputTail } from './checks/parse-check-output.js';
import { DRAFT_PLACEHOLDER, draftCommitMessage } from './commit-draft.js';
import { commitWorkspace, type CommitBase, type CommitPerson } from './commit-step.js';
import { decideNext, initialEngineState, maxAttemptsOf, type EngineAction, type EngineEvent, type EngineState } from './decide-next.js';
import { decideNodeEdit, editableParamsOf, type NodeEditDecision } from './node-edits.js';
import { decideRestore } from './restore-run.js';
import type { NodeRecord, RunRecord } from './run-record.js';
import type { EditRunNodeBody } from '@tandem/shared/protocol/runs.js';
import { pullRequestBody } from './ship/pull-request-body.js';
import { runCiNode, runPullRequestNode, runPushNode, type ShipNodeResult } from './ship/ship-nodes.js';
import type { ShipPlace } from './ship/shipping.js';
import { redactStrings } from '../secrets/redact-strings.js';

/** The author the engine's own messages to the agent carry (a fix round's failure list). */
export const BLUEPRINT_AUTHOR = { id: 'tandem-blueprint', name: 'Tandem' } as const;

export interface BlueprintRunnerDeps {
  session: { id: string; repo: string };
  /** The session's redactor: what leaves the server (the commit's message, the PR) and the stored run record pass it. */
  redact?: (text: string) => string;
  blueprint: Blueprint;
  goal: string;
  startedBy: CommitPerson;
  sandbox: () => Promise<Sandbox>;
  /** Runs an agent node as the session's active agent run (so steering reaches it). */
  runAgent(first: PersonMessage, options: { tools?: readonly AgentTool[]; budget?: Partial<RunBudget> }): Promise<AgentRunOutcome>;
  /** Stops the active agent run, if any. */
  stopAgent(byName: string): Promise<void>;
  /** Writes the run's own roots (the run, its notices), waiting for the store. */
  change<T>(apply: (doc: Y.Doc) => T): Promise<T>;
  /** Reads the session doc (the transcript, the plan). */
  read<T>(read: (doc: Y.Doc) => T): Promise<T>;
  /** Where the session's branch is pushed and its PR opened (decided from the repo and the server's settings). */
  shipPlace(): Promise<ShipPlace>;
  /** The session's commit store: the server's own repo the commit node writes and the push node sends from. */
  commitStore(): Promise<string>;
  /** One small model request outside the agent loop (a commit message's draft); absent, the template's subject is used. */
  draftText?(request: { system: string; prompt: string; maxOutputTokens: number; signal: AbortSignal }): Promise<string>;
  /** The session's address, for the PR body. */
  sessionUrl: string;
  logger: { error(message: string, error?: unknown): void };
  onEnded(): void;
  /** A run read back from the store after a restart (its blueprint is `blueprint`); absent for a new run. */
  restored?: RunRecord;
  /** Keeps the run's state in the store, on every change (so a restarted server can go on with it). */
  persist?(record: RunRecord): Promise<void>;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(6).toString('base64url')}`;
const fill = (template: string, goal: string) => template.replaceAll('{goal}', goal);

/**
 * Executes one blueprint run in a session: feeds events to the pure engine (decideNext), does the one
 * action it returns (run a node in the sandbox, wait at a gate, end), and shows everything in the
 * doc's `run` root. Events are handled one at a time, in order.
 */
/** The queue goes on after a failed step; the step's caller gets its error from the step's own promise. */
function settled(step: Promise<unknown>): Promise<void> {
  return step.then(
    () => undefined,
    () => undefined,
  );
}

export class BlueprintRunner {
  readonly id: string;
  private state: EngineState;
  private readonly records = new Map<string, NodeRecord>();
  /** People who approved, skipped or retried a step (they steered the run as much as a message does). */
  private readonly actors = new Map<string, CommitPerson>();
  private readonly startedAt: number;
  /** Set at server shutdown: nothing more is decided, written or recorded, so the store keeps the run going. */
  private suspended = false;
  private readonly abort = new AbortController();
  /** Where the run started and what each check failed on, so checks that run again look at what changed. */
  private readonly checksMemory = new ChecksMemory();
  /** A failed write of the run's state to the doc and the store is logged; the run goes on (the next publish writes it whole). */
  private readonly logPublishFailure = (error: unknown): void => this.deps.logger.error(`blueprint run ${this.id}: could not publish its state`, error);
  private commit: RunView['commit'];
  /** Where the session started (the push's prerequisite, the PR's base branch). */
  private base: CommitBase = {};
  private pushed: RunView['push'];
  private pullRequest: RunView['pullRequest'];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly ended: Promise<void>;
  private resolveEnded!: () => void;

  constructor(private readonly deps: BlueprintRunnerDeps) {
    const restored = deps.restored;
    this.id = restored?.id ?? newId('run');
    this.startedAt = restored?.startedAt ?? Date.now();
    this.state = restored?.engine ?? initialEngineState(deps.blueprint);
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    if (restored) {
      for (const [nodeId, record] of Object.entries(restored.nodeRecords)) this.records.set(nodeId, { ...record });
      for (const person of restored.actors) this.actors.set(person.id, person);
      this.commit = restored.commit;
      this.base = { ...restored.ship.base };
      this.pushed = restored.ship.pushed;
      this.pullRequest = restored.ship.pullRequest;
    }
  }

  /** The run as the store keeps it. */
  record(): RunRecord {
    return {
      id: this.id,
      sessionId: this.deps.session.id,
      repo: this.deps.session.repo,
      blueprint: this.deps.blueprint,
      goal: this.deps.goal,
      startedBy: this.deps.startedBy,
      startedAt: this.startedAt,
      sessionUrl: this.deps.sessionUrl,
      engine: this.state,
      nodeRecords: Object.fromEntries([...this.records].map(([nodeId, record]) => [nodeId, { ...record }])),
      actors: [...this.actors.values()],
      commit: this.commit,
      ship: { base: { ...this.base }, pushed: this.pushed, pullRequest: this.pullRequest },
    };
  }

  /** A restarted server goes on with a stored run (see decideRestore): a gate waits, a deterministic step runs again, an agent step fails for a retry. */
  resume(): Promise<void> {
    const next = this.queue.then(async () => {
      const decision = decideRestore(this.deps.blueprint, this.state);
      this.state = decision.state;
      await this.publish();
      if (decision.notice) await this.notice('warning', decision.notice);
      await this.execute(decision.action);
    });
    this.queue = settled(next);
    return next;
  }

  /** A person's new parameters for a step not yet run (see decideNodeEdit): the engine uses them when it gets there. */
  editNode(nodeId: string, edit: EditRunNodeBody, person: CommitPerson): Promise<NodeEditDecision> {
    const next = this.queue.then(async () => {
      const decision = decideNodeEdit(this.deps.blueprint, this.state, nodeId, edit);
      if (this.suspended || decision.kind === 'refused' || decision.changes.length === 0) return decision;
      // The run's own copy of its blueprint (never a built-in's), so the engine and the store see the new values.
      this.deps.blueprint.nodes[decision.index] = decision.node;
      this.actors.set(person.id, person);
      await this.publish();
      await this.notice('info', `${person.name} edited “${decision.node.title}”: ${decision.changes.join('; ')}.`);
      return decision;
    });
    this.queue = settled(next);
    return next;
  }

  /** Server shutdown: the step in progress is abandoned without recording an end, so the next server goes on with the run. */
  suspend(): void {
    this.suspended = true;
    this.abort.abort();
  }

  get isActive(): boolean {
    return this.state.state === 'running' || this.state.state === 'waiting';
  }

  whenEnded(): Promise<void> {
    return this.ended;
  }

  start(): Promise<{ kind: 'done' } | { kind: 'refused'; reason: string }> {
    return this.dispatch({ type: 'start' });
  }

  /** A person's act on a step, attributed in the transcript; refused acts change nothing. */
  async act(action: 'approve' | 'skip' | 'retry', nodeId: string, person: CommitPerson): Promise<{ kind: 'done' } | { kind: 'refused'; reason: string }> {
    const outcome = await this.dispatch({ type: action, nodeId, by: person.name });
    if (outcome.kind === 'done') {
      this.actors.set(person.id, person);
      await this.queue.then(() => this.publish()).catch(this.logPublishFailure);
      const title = this.nodeSpec(nodeId)?.title ?? nodeId;
      const verb = { approve: 'approved', skip: 'skipped', retry: 'retried' }[action];
      await this.notice('info', `${person.name} ${verb} “${title}”.`);
    }
    return outcome;
  }

  async stop(person: { name: string }): Promise<void> {
    const outcome = await this.dispatch({ type: 'stop', by: person.name });
    if (outcome.kind === 'done') {
      this.abort.abort();
      await this.deps.stopAgent(person.name);
    }
  }

  view(): RunView {
    const { blueprint } = this.deps;
    return {
      id: this.id,
      blueprint: blueprint.name,
      goal: this.deps.goal,
      state: this.state.state,
      startedBy: this.deps.startedBy.name,
      startedAt: this.startedAt,
      endedAt: this.isActive ? undefined : Date.now(),
      summary: this.state.summary,
      commit: this.commit,
      push: this.pushed,
      pullRequest: this.pullRequest,
      nodes: blueprint.nodes.map((spec, index) => {
        const node = this.state.nodes[index]!;
        const record = this.records.get(spec.id) ?? {};
        return {
          id: spec.id,
          kind: spec.kind,
          title: spec.title,
          status: node.status,
          attempt: node.attempt,
          maxAttempts: Math.max(maxAttemptsOf(blueprint, spec), node.attempt, 1),
          startedAt: record.startedAt,
          durationMs: record.durationMs,
          excerpt: record.excerpt,
          failures: node.failures,
          note: node.note,
          params: editableParamsOf(spec),
        };
      }),
    };
  }

  private nodeSpec(nodeId: string): BlueprintNode | undefined {
    return this.deps.blueprint.nodes.find((node) => node.id === nodeId);
  }

  /** Decides and applies one event after every earlier one. */
  private dispatch(event: EngineEvent): Promise<{ kind: 'done' } | { kind: 'refused'; reason: string }> {
    const next = this.queue.then(async () => {
      if (this.suspended) return { kind: 'refused' as const, reason: 'The server is shutting down; the run goes on when it is back.' };
      const decision = decideNext(this.deps.blueprint, this.state, event);
      if (decision.kind === 'refused') return decision;
      this.state = decision.state;
      await this.publish();
      await this.execute(decision.action);
      return { kind: 'done' as const };
    });
    this.queue = settled(next);
    return next;
  }

  private async publish(): Promise<void> {
    if (this.suspended) return;
    // The store first: it is what a restarted server goes on from.
    await this.deps.persist?.(redactStrings(this.record(), (text) => this.redact(text)));
    const view = this.view();
    await this.deps.change((doc) => writeRun(doc, view, Origin.blueprint));
  }

  private async execute(action: EngineAction): Promise<void> {
    switch (action.kind) {
      case 'run':
        // Not awaited: the node's end comes back as an event, behind whatever people do meanwhile.
        void this.runNode(action.nodeId, action.attempt);
        return;
      case 'wait':
        await this.notice('info', `Waiting for an editor to approve “${this.nodeSpec(action.nodeId)?.title ?? action.nodeId}”.`);
        return;
      case 'end':
        await this.notice(action.state === 'passed' ? 'info' : action.state === 'stopped' ? 'info' : 'warning', `Blueprint ${this.deps.blueprint.name}: ${action.summary}`);
        this.deps.onEnded();
        this.resolveEnded();
        return;
      case 'none':
        return;
      default:
        action satisfies never;
    }
  }

  private async runNode(nodeId: string, attempt: number): Promise<void> {
    const spec = this.nodeSpec(nodeId)!;
    const startedAt = Date.now();
    this.records.set(nodeId, { startedAt });
    await this.queue.then(() => this.publish()).catch(this.logPublishFailure);
    let event: EngineEvent;
    try {
      event = await this.executeNode(spec, attempt);
    } catch (error) {
      if (!this.abort.signal.aborted) this.deps.logger.error(`blueprint node ${nodeId} failed`, error);
      event = { type: 'node-finished', nodeId, passed: false, message: error instanceof Error ? error.message : String(error) };
    }
    const record = this.records.get(nodeId)!;
    record.durationMs = Date.now() - startedAt;
    if (this.abort.signal.aborted) {
      await this.queue.then(() => this.publish()).catch(this.logPublishFailure);
      return;
    }
    await this.dispatch(event);
  }

  private setExcerpt(nodeId: string, text: string): void {
    const record = this.records.get(nodeId) ?? {};
    record.excerpt = text.length > MAX_NODE_EXCERPT_CHARS ? text.slice(-MAX_NODE_EXCERPT_CHARS) : text;
    this.records.set(nodeId, record);
  }

  private async executeNode(spec: BlueprintNode, attempt: number): Promise<EngineEvent> {
    const finished = (passed: boolean, extra: Partial<Extract<EngineEvent, { type: 'node-finished' }>> = {}): EngineEvent => ({ type: 'node-finished', nodeId: spec.id, passed, ...extra });
    const signal = this.abort.signal;
    switch (spec.kind) {
      case 'agent': {
        const first: PersonMessage = { id: newId('m'), authorId: this.deps.startedBy.id, authorName: this.deps.startedBy.name, text: fill(spec.goal, this.deps.goal), delivery: 'prompt' };
        return this.agentOutcome(spec.id, await this.deps.runAgent(first, { tools: toolSubset(spec.tools), budget: spec.budget }));
      }
      case 'fix': {
        const checks = this.state.nodes.find((node) => node.id === spec.checks)!;
        const ci = this.nodeSpec(spec.checks)?.kind === 'ci';
        const text = [
          ci
            ? `CI failed on the pushed commit (fix round ${attempt} of ${spec.maxRounds}). Fix these failures; Tandem commits, pushes and waits for CI again when you finish.`
            : `The checks failed (fix round ${attempt} of ${spec.maxRounds}). Fix these failures; the checks run again when you finish.`,
          describeFailures(checks.failures, checks.failureTotal),
        ].join('\n');
        const first: PersonMessage = { id: newId('m'), authorId: BLUEPRINT_AUTHOR.id, authorName: BLUEPRINT_AUTHOR.name, text, delivery: 'prompt' };
        return this.agentOutcome(spec.id, await this.deps.runAgent(first, { tools: toolSubset(spec.tools), budget: spec.budget }));
      }
      case 'run': {
        const sandbox = await this.deps.sandbox();
        const result = await sandbox.exec(spec.command, { timeoutMs: spec.timeoutMs, signal });
        this.setExcerpt(spec.id, outputTail(`${result.stdout}\n${result.stderr}`));
        const passed = result.exitCode === 0 && !result.timedOut;
        return finished(passed, passed ? {} : { message: result.timedOut ? 'timed out' : `exited with code ${result.exitCode}` });
      }
      case 'checks': {
        const sandbox = await this.deps.sandbox();
        const result = await runChecks(sandbox, spec.commands, { timeoutMs: spec.timeoutMs, signal, memory: this.checksMemory });
        this.setExcerpt(spec.id, result.excerpt);
        return finished(result.passed, { failures: result.failures, failureTotal: result.failureTotal });
      }
      case 'commit': {
        const sandbox = await this.deps.sandbox();
        const drafted = spec.message.includes(DRAFT_PLACEHOLDER) ? await this.draftCommit(sandbox, signal) : null;
        const subject = this.redact(drafted?.subject ?? fill(spec.message.replaceAll(DRAFT_PLACEHOLDER, '{goal}'), this.deps.goal));
        const body = drafted?.body === undefined ? undefined : this.redact(drafted.body);
        const outcome = await commitWorkspace(
          sandbox,
          { sessionId: this.deps.session.id, goal: this.deps.goal, subject, body, author: this.deps.startedBy, coAuthors: await this.steerers() },
          { repo: await this.deps.commitStore(), previousSha: this.commit?.sha },
          signal,
        );
        if (outcome.kind !== 'failed' && outcome.baseSha) this.base = { baseSha: outcome.baseSha };
        switch (outcome.kind) {
          case 'committed':
            this.commit = { sha: outcome.sha, branch: outcome.branch };
            this.setExcerpt(spec.id, outcome.message);
            return finished(true, { message: `Committed ${outcome.sha.slice(0, 10)} on ${outcome.branch}` });
          case 'nothing-to-commit':
            // The branch may already hold commits of this run (a commit step rerun after a restart): push those.
            if (!this.commit && outcome.headSha && outcome.baseSha && outcome.headSha !== outcome.baseSha) {
              this.commit = { sha: outcome.headSha, branch: outcome.branch };
              return finished(true, { message: `Nothing new to commit; ${outcome.branch} is at ${outcome.headSha.slice(0, 10)}.` });
            }
            return finished(true, { message: `Nothing changed, so nothing was committed (branch ${outcome.branch}).` });
          case 'failed':
            return finished(false, { message: outcome.reason });
          default:
            return outcome satisfies never;
        }
      }
      case 'push': {
        const result = await runPushNode({ place: await this.deps.shipPlace(), commit: this.commit && { ...this.commit, ...this.base }, store: await this.deps.commitStore(), signal });
        if (result.pushed) {
          this.pushed = result.pushed;
          await this.notice('info', result.message);
        }
        return shipEvent(spec.id, result);
      }
      case 'pull-request': {
        const result = await runPullRequestNode({
          spec,
          place: await this.deps.shipPlace(),
          pushed: this.pushed,
          title: this.redact(fill(spec.pullRequestTitle, this.deps.goal).split('\n')[0]!.slice(0, 200)),
          body: this.redact(await this.pullRequestBody()),
        });
        if (result.pullRequest) {
          this.pullRequest = result.pullRequest;
          await this.notice('info', result.message);
        }
        return shipEvent(spec.id, result);
      }
      case 'ci': {
        const result = await runCiNode({
          spec,
          place: await this.deps.shipPlace(),
          pushed: this.pushed,
          signal,
          onProgress: (text) => {
            if (this.records.get(spec.id)?.excerpt === text) return;
            this.setExcerpt(spec.id, text);
            void this.queue.then(() => this.publish()).catch(this.logPublishFailure);
          },
        });
        if (result.kind === 'failed' && result.failures) this.setExcerpt(spec.id, result.message);
        return shipEvent(spec.id, result);
      }
      case 'gate':
        // Gates never run: the engine waits at them for a person.
        return finished(false, { message: 'a gate cannot run' });
      default:
        return spec satisfies never;
    }
  }

  private async agentOutcome(nodeId: string, outcome: AgentRunOutcome): Promise<EngineEvent> {
    this.setExcerpt(nodeId, outcome.message);
    if (outcome.state === 'stopped' && !this.abort.signal.aborted) {
      // Someone pressed stop on the agent: that stops the whole run, as it did before blueprints.
      void this.stop({ name: outcome.stoppedBy ?? outcome.message });
    }
    return { type: 'node-finished', nodeId, passed: outcome.state === 'done', message: outcome.state === 'done' ? undefined : outcome.message };
  }

  /** The model's draft of the commit message, from the changed files and the agent's last words in this run. */
  private async draftCommit(sandbox: Sandbox, signal: AbortSignal): Promise<{ subject: string; body: string } | null> {
    const status = await sandbox.exec(`git -c safe.directory='*' -c core.fsmonitor=false status --short`, { signal, timeoutMs: 30_000, maxOutputBytes: 16_384 });
    const transcript = await this.deps.read(readTranscript);
    const said = transcript.filter((entry) => entry.kind === 'assistant-text' && entry.createdAt >= this.startedAt).at(-1);
    return draftCommitMessage({
      goal: this.deps.goal,
      changedFiles: status.stdout,
      agentSummary: said?.kind === 'assistant-text' ? said.text : '',
      ask: (request) => (this.deps.draftText ? this.deps.draftText({ ...request, signal }) : Promise.reject(new Error('no model to draft with'))),
    });
  }

  private redact(text: string): string {
    return this.deps.redact ? this.deps.redact(text) : text;
  }

  private async pullRequestBody(): Promise<string> {
    const plan = await this.deps.read(readPlan);
    const steeredBy = (await this.steerers()).map((person) => person.name);
    return pullRequestBody({ goal: this.deps.goal, plan, run: this.view(), startedBy: this.deps.startedBy.name, steeredBy, sessionUrl: this.deps.sessionUrl });
  }

  /** Everyone who sent the agent a message since this run started, and who acted on its steps, except its starter. */
  private async steerers(): Promise<CommitPerson[]> {
    const transcript = await this.deps.read(readTranscript);
    const people = new Map<string, CommitPerson>();
    for (const entry of transcript) {
      if (entry.kind !== 'user-message' || entry.createdAt < this.startedAt || entry.delivery === 'chat') continue;
      if (entry.authorId === BLUEPRINT_AUTHOR.id || entry.authorId === this.deps.startedBy.id) continue;
      people.set(entry.authorId, { id: entry.authorId, name: entry.authorName });
    }
    for (const person of this.actors.values()) if (person.id !== this.deps.startedBy.id) people.set(person.id, person);
    return [...people.values()];
  }

  private async notice(level: SystemNoticeEntry['level'], text: string): Promise<void> {
    if (this.suspended) return;
    await this.deps.change((doc) => appendTranscriptEntry(doc, { kind: 'system-notice', id: newId('n'), level, text, createdAt: Date.now() }, Origin.blueprint));
  }
}

/** A ship node's result as the engine's event. */
function shipEvent(nodeId: string, result: ShipNodeResult): EngineEvent {
  switch (result.kind) {
    case 'passed':
      return { type: 'node-finished', nodeId, passed: true, message: result.message };
    case 'skipped':
      return { type: 'node-finished', nodeId, passed: false, skipped: true, message: result.message };
    case 'failed':
      return { type: 'node-finished', nodeId, passed: false, message: result.message, failures: result.failures, failureTotal: result.total };
    default:
      return result satisfies never;
  }
}

/** The tools an agent node names, in the agent's order; unknown names are ignored (the schema lists them). */
function toolSubset(names: string[] | undefined): readonly AgentTool[] | undefined {
  if (!names) return undefined;
  return AGENT_TOOLS.filter((tool) => names.includes(tool.name));
}
