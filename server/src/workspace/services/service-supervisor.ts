import { StringDecoder } from 'node:string_decoder';
import type { ServiceStatus } from '@tandem/shared/doc/schema.js';
import { serviceLogTerminalId } from '@tandem/shared/protocol/terminal.js';
import type { SupervisedService } from '../../environment/repo-environment.js';
import type { Sandbox, SpawnedProcess } from '../../sandbox/provider.js';
import { buildOneShotLauncher, buildServiceLauncher, SERVICE_READY_LINE } from './service-launcher.js';
import { ServiceLog } from './service-log.js';
import {
  DEFAULT_AUTOMATIC_RESTART_DELAY_MS,
  DEFAULT_MAX_AUTOMATIC_RESTARTS,
  decideServiceEvent,
  initialServiceRunState,
  type ServiceEvent,
  type ServiceRunState,
} from './service-decisions.js';

/** How long a service may take to pass its ready check (PostgreSQL's initdb and start take a few seconds). */
export const DEFAULT_SERVICE_READY_TIMEOUT_MS = 60_000;
/** How long a one-shot step (Cursor's `start`) may run before it is taken as failed. */
export const DEFAULT_ONE_SHOT_TIMEOUT_MS = 10 * 60_000;

export interface SupervisorOptions {
  readyTimeoutMs?: number;
  oneShotTimeoutMs?: number;
  maxAutomaticRestarts?: number;
  automaticRestartDelayMs?: number;
  logger: { error(message: string, error?: unknown): void };
}

interface Supervised {
  declaration: SupervisedService;
  run: ServiceRunState;
  log: ServiceLog;
  /** Bumped on every start: events of an earlier run of the process are ignored. */
  generation: number;
  process: SpawnedProcess | null;
  timer: NodeJS.Timeout | null;
  startedAt: number;
  readyAt?: number;
  exitCode?: number | null;
  message?: string;
}

/**
 * Runs a sandbox's declared services: starts each in the sandbox, keeps its log, runs its ready
 * check with a timeout, and restarts it as decideServiceEvent says. Listeners hear every change.
 * One-shot steps (`once`) run first; their "ready" is their end with code 0 (any other end is
 * `failed`), and the long-running services start once every one-shot has ended, well or not.
 */
export class ServiceSupervisor {
  private readonly services = new Map<string, Supervised>();
  private readonly listeners = new Set<(statuses: ServiceStatus[]) => void>();
  private readonly settledWaiters = new Set<() => void>();
  private stopped = false;
  /** Long-running services waiting for the one-shot steps to end. */
  private waiting: Supervised[] = [];

  constructor(
    private readonly sandbox: Sandbox,
    declarations: readonly SupervisedService[],
    private readonly options: SupervisorOptions,
  ) {
    for (const declaration of declarations) {
      this.services.set(declaration.name, {
        declaration,
        run: initialServiceRunState(),
        log: new ServiceLog(serviceLogTerminalId(declaration.name)),
        generation: 0,
        process: null,
        timer: null,
        startedAt: 0,
      });
    }
  }

  start(): void {
    const all = [...this.services.values()];
    const first = all.filter((service) => service.declaration.once);
    this.waiting = first.length > 0 ? all.filter((service) => !service.declaration.once) : [];
    for (const service of this.waiting) service.log.append(`[tandem] waiting for ${first.map((each) => each.declaration.name).join(', ')} to end\n`);
    for (const service of first.length > 0 ? first : all) this.spawn(service);
  }

  get names(): string[] {
    return [...this.services.keys()];
  }

  statuses(): ServiceStatus[] {
    return [...this.services.values()].map((service) => ({
      name: service.declaration.name,
      state: service.run.state,
      terminalId: service.log.id,
      startedAt: service.startedAt,
      readyAt: service.readyAt,
      exitCode: service.exitCode,
      restarts: service.run.restarts,
      message: service.message,
      logTail: service.run.state === 'failed' || service.run.state === 'crashed' ? service.log.tail() : undefined,
    }));
  }

  onChange(listener: (statuses: ServiceStatus[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  logByTerminalId(terminalId: string): ServiceLog | undefined {
    return [...this.services.values()].find((service) => service.log.id === terminalId)?.log;
  }

  /** False for a service the repo does not declare. */
  restart(name: string): boolean {
    const service = this.services.get(name);
    if (!service) return false;
    service.log.append(`\n[tandem] restart asked for\n`);
    this.handle(service, { kind: 'restart-requested' });
    return true;
  }

  /** Resolves once no service is starting (each is ready, failed, crashed for good or stopped). */
  settled(): Promise<void> {
    if (this.isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.add(resolve));
  }

  /** Stops every service; their exits from now on are no crash. */
  stop(): void {
    if (this.stopped) return;
    for (const service of this.services.values()) this.handle(service, { kind: 'stop-requested' });
    this.stopped = true;
  }

  private isSettled(): boolean {
    return [...this.services.values()].every((service) => service.run.state !== 'starting' && service.timer === null);
  }

  private handle(service: Supervised, event: ServiceEvent): void {
    const decision = decideServiceEvent(service.run, event, { maxAutomaticRestarts: this.options.maxAutomaticRestarts ?? DEFAULT_MAX_AUTOMATIC_RESTARTS });
    if (decision.next === service.run && decision.actions.length === 0) return;
    service.run = decision.next;
    if (event.kind === 'ready-check-passed') {
      service.readyAt = Date.now();
      const seconds = ((service.readyAt - service.startedAt) / 1000).toFixed(1);
      service.log.append(`[tandem] ${service.declaration.name} ${service.declaration.once ? 'finished' : 'is ready'} (${seconds} s)\n`);
    }
    if (decision.message) {
      service.message = `${service.declaration.name}: ${decision.message}`;
      service.log.append(`[tandem] ${service.message}\n`);
    }
    for (const action of decision.actions) {
      switch (action) {
        case 'kill':
          this.clearTimer(service);
          service.generation += 1;
          service.process?.kill();
          service.process = null;
          break;
        case 'spawn':
          this.clearTimer(service);
          this.spawn(service);
          break;
        case 'schedule-restart':
          this.clearTimer(service);
          service.timer = setTimeout(() => {
            service.timer = null;
            this.handle(service, { kind: 'automatic-restart-due' });
          }, this.options.automaticRestartDelayMs ?? DEFAULT_AUTOMATIC_RESTART_DELAY_MS);
          service.timer.unref();
          break;
        default:
          action satisfies never;
      }
    }
    this.changed();
  }

  private clearTimer(service: Supervised): void {
    if (service.timer) clearTimeout(service.timer);
    service.timer = null;
  }

  private spawn(service: Supervised): void {
    // Restarted by hand while it waited for the one-shot steps: it runs now, not again later.
    this.waiting = this.waiting.filter((each) => each !== service);
    service.generation += 1;
    const generation = service.generation;
    const { declaration } = service;
    service.startedAt = Date.now();
    service.readyAt = undefined;
    service.exitCode = undefined;
    service.message = undefined;
    service.log.append(`[tandem] starting ${declaration.name}: ${declaration.command}\n`);
    let process: SpawnedProcess;
    try {
      const script = declaration.once ? buildOneShotLauncher(declaration.command) : buildServiceLauncher(declaration.command, declaration.ready);
      process = this.sandbox.spawn(script, { env: declaration.env });
    } catch (error) {
      // A sandbox closing under a restart: nothing left to run it in.
      this.options.logger.error(`service ${declaration.name} could not start`, error);
      this.handle(service, { kind: 'exited', exitCode: null });
      return;
    }
    service.process = process;
    const current = () => service.generation === generation && !this.stopped;
    const errors = new StringDecoder('utf8');
    process.stderr.on('data', (chunk: Buffer) => service.log.append(errors.write(chunk)));
    let readyLines = '';
    process.stdout.on('data', (chunk: Buffer) => {
      readyLines += chunk.toString('utf8');
      if (readyLines.includes(SERVICE_READY_LINE) && current()) {
        clearTimeout(timeout);
        this.handle(service, { kind: 'ready-check-passed' });
      }
      readyLines = readyLines.slice(-SERVICE_READY_LINE.length);
    });
    const timeout = setTimeout(
      () => {
        if (current()) this.handle(service, { kind: 'ready-check-timed-out' });
      },
      declaration.once ? (this.options.oneShotTimeoutMs ?? DEFAULT_ONE_SHOT_TIMEOUT_MS) : (this.options.readyTimeoutMs ?? DEFAULT_SERVICE_READY_TIMEOUT_MS),
    );
    timeout.unref();
    void process.exited.then((exitCode) => {
      clearTimeout(timeout);
      if (!current()) return;
      service.process = null;
      service.exitCode = exitCode;
      // A one-shot step that ended well is done: "ready" is its end.
      const finished = declaration.once && exitCode === 0 && service.run.state === 'starting';
      this.handle(service, finished ? { kind: 'ready-check-passed' } : { kind: 'exited', exitCode });
    });
    this.changed();
  }

  private changed(): void {
    if (this.waiting.length > 0 && !this.stopped && [...this.services.values()].every((service) => !service.declaration.once || service.run.state !== 'starting')) {
      const next = this.waiting;
      this.waiting = [];
      for (const service of next) if (service.run.state === 'starting') this.spawn(service);
    }
    const statuses = this.statuses();
    for (const listener of this.listeners) listener(statuses);
    if (this.isSettled()) {
      for (const resolve of this.settledWaiters) resolve();
      this.settledWaiters.clear();
    }
  }
}
