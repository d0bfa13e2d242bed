import {
  ENVIRONMENT_FILE_PATH,
  type RepoEnvironment,
  MAX_ENVIRONMENT_FILE_BYTES,
  parseRepoEnvironment,
  RepoEnvironmentError,
  type SupervisedService,
} from '../../environment/repo-environment.js';
import { CURSOR_ENVIRONMENT_PATH, parseCursorSessionServices } from '../../environment/setup/environment-files.js';
import { withSecrets, type SandboxSecrets } from '../../secrets/secret-sandbox.js';
import { SandboxError, type CallOptions, type Sandbox, type SandboxProvider, type SandboxSpec } from '../../sandbox/provider.js';
import { ServiceSupervisor, type SupervisorOptions } from './service-supervisor.js';

/** A sandbox's services, or why the repo's environment file could not be used. */
export interface SandboxServices {
  supervisor: ServiceSupervisor;
  /** Set when `.tandem/environment.json` is unreadable or invalid: no service runs, and people are told why. */
  problem?: string;
  /** What of another tool's file (`.cursor/environment.json`) was not followed, for the transcript. */
  notes?: string[];
}

/**
 * The services of `.cursor/environment.json` (`start` once, then its `terminals`), read like the
 * repo's own file: through the sandbox, without following links, bounded. A bad file is a note.
 */
async function cursorServices(sandbox: Sandbox): Promise<{ services: SupervisedService[]; notes: string[] }> {
  let text: string;
  try {
    text = new TextDecoder().decode(await sandbox.readFile(CURSOR_ENVIRONMENT_PATH, { maxBytes: MAX_ENVIRONMENT_FILE_BYTES }));
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    return { services: [], notes: error.code === 'not-found' ? [] : [`${CURSOR_ENVIRONMENT_PATH} can't be read: ${error.message}`] };
  }
  const parsed = parseCursorSessionServices(text);
  if (!parsed.ok) return { services: [], notes: [`${CURSOR_ENVIRONMENT_PATH}'s start and terminals are not run: ${parsed.reason}`] };
  return { services: parsed.services, notes: parsed.notes.map((note) => `${CURSOR_ENVIRONMENT_PATH}: ${note}`) };
}

/**
 * The repo's declared services start the moment a sandbox boots, whoever boots it: the warm pool
 * (so a warm sandbox has them running before any session takes it) or a session booting cold. The
 * declarations are read from the sandbox's own workspace (the snapshot of its repo), which works the
 * same for local and e2b sandboxes. Closing or snapshotting the sandbox stops its services first, so
 * their ends are not taken for crashes.
 */
export function createServiceRegistry(
  options: SupervisorOptions & {
    /** The secrets a repo's services get (what its environment file names for `services`), and their log's redaction. */
    secrets?: (repo: string, environment: RepoEnvironment | null) => Promise<SandboxSecrets | null>;
  },
) {
  const bySandbox = new Map<string, Promise<SandboxServices>>();

  async function startFor(sandbox: Sandbox, repo: string | undefined): Promise<SandboxServices> {
    let declarations: SupervisedService[];
    let problem: string | undefined;
    let notes: string[] = [];
    let read = false;
    let environment: RepoEnvironment | null = null;
    try {
      const bytes = await sandbox.readFile(ENVIRONMENT_FILE_PATH, { maxBytes: MAX_ENVIRONMENT_FILE_BYTES });
      environment = parseRepoEnvironment(new TextDecoder().decode(bytes)).environment;
      declarations = environment.services ?? [];
      read = true;
    } catch (error) {
      declarations = [];
      if (error instanceof RepoEnvironmentError) problem = error.message;
      else if (error instanceof SandboxError && error.code !== 'not-found') problem = `${ENVIRONMENT_FILE_PATH} can't be read: ${error.message}`;
      else if (!(error instanceof SandboxError)) throw error;
      else read = true;
    }
    // Tandem's own file first, as for setup: Cursor's `start` and `terminals` run only when
    // `.tandem/environment.json` is absent or declares no services (never when it is unusable:
    // that problem is shown, not papered over with another file's commands).
    if (read && declarations.length === 0) ({ services: declarations, notes } = await cursorServices(sandbox));
    const secrets = declarations.length > 0 && repo !== undefined ? await options.secrets?.(repo, environment) : null;
    const supervisor = new ServiceSupervisor(secrets ? withSecrets(sandbox, secrets) : sandbox, declarations, options);
    supervisor.start();
    return { supervisor, problem, ...(notes.length > 0 ? { notes } : {}) };
  }

  function wrap(sandbox: Sandbox, repo?: string): Sandbox {
    const services = startFor(sandbox, repo);
    services.catch((error: unknown) => options.logger.error(`sandbox ${sandbox.id}: services did not start`, error));
    bySandbox.set(sandbox.id, services);
    const stopServices = async () => (await services.catch(() => null))?.supervisor.stop();
    return new SandboxWithServices(sandbox, stopServices, () => bySandbox.delete(sandbox.id));
  }

  return {
    /** The provider the pool and sessions use: every sandbox it creates starts its repo's services. */
    provider(inner: SandboxProvider): SandboxProvider {
      return {
        name: inner.name,
        capabilities: inner.capabilities,
        create: async (spec: SandboxSpec) => wrap(await inner.create(spec), spec.snapshot.repo),
        ...(inner.resume ? { resume: async (id: string, call?: CallOptions) => wrap(await inner.resume!(id, call)) } : {}),
      };
    },
    /** The services of a live sandbox (undefined once it closed). */
    of(sandboxId: string): Promise<SandboxServices> | undefined {
      return bySandbox.get(sandboxId);
    },
  };
}
export type ServiceRegistry = ReturnType<typeof createServiceRegistry>;

/** A sandbox whose services stop before it snapshots or closes; everything else is the sandbox's own. */
class SandboxWithServices implements Sandbox {
  readonly id: string;
  readonly providerName: string;
  readonly readBaseFile?: Sandbox['readBaseFile'];
  readonly network?: Sandbox['network'];
  readonly snapshot?: Sandbox['snapshot'];
  readonly pause?: Sandbox['pause'];

  constructor(
    private readonly inner: Sandbox,
    private readonly stopServices: () => Promise<void>,
    private readonly forget: () => void,
  ) {
    this.id = inner.id;
    this.providerName = inner.providerName;
    if (inner.network) this.network = inner.network;
    if (inner.readBaseFile) this.readBaseFile = (path, options) => inner.readBaseFile!(path, options);
    if (inner.snapshot) {
      this.snapshot = async (options) => {
        await this.stopServices();
        return inner.snapshot!(options);
      };
    }
    if (inner.pause) this.pause = (options) => inner.pause!(options);
  }

  exec: Sandbox['exec'] = (command, options) => this.inner.exec(command, options);
  spawn: Sandbox['spawn'] = (command, options) => this.inner.spawn(command, options);
  openPty: Sandbox['openPty'] = (options) => this.inner.openPty(options);
  readFile: Sandbox['readFile'] = (path, options) => this.inner.readFile(path, options);
  readEntry: Sandbox['readEntry'] = (path, options) => this.inner.readEntry(path, options);
  writeFile: Sandbox['writeFile'] = (path, data, options) => this.inner.writeFile(path, data, options);
  listFiles: Sandbox['listFiles'] = (path, options) => this.inner.listFiles(path, options);
  watch: Sandbox['watch'] = (onChange, options) => this.inner.watch(onChange, options);

  async close(options?: CallOptions): Promise<void> {
    await this.stopServices();
    this.forget();
    await this.inner.close(options);
  }
}
