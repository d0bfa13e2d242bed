import { PassThrough, type Readable } from 'node:stream';
import type { ExecOptions, ExecResult, PtyOptions, Sandbox, SandboxPty, SpawnedProcess } from '../sandbox/provider.js';
import { SHORT_PARTIAL_CHARS, StreamRedactor, type SecretRedactor } from './secret-redactor.js';

/**
 * A held-back end of a stream that could begin a secret is shown after this long without more output
 * (a prompt, a typed key): a value written in one go never pauses this long mid-way.
 */
export const REDACTION_HOLD_MS = 200;
/**
 * A held-back end this short (a typed key that happens to begin one of a value's forms) is shown
 * sooner: a value written in one go arrives in the next read, well within this, and echo stays quick.
 */
export const REDACTION_SHORT_HOLD_MS = 20;

/** What a session's sandbox is given, read at each command or shell (a warm sandbox was booted before its session was known). */
export interface SandboxSecrets {
  /** Environment variables for the session's commands, terminals and processes. */
  env(): Record<string, string>;
  redactor: SecretRedactor;
}

/** A stream redactor that shows what it held back once the stream stays quiet for REDACTION_HOLD_MS. */
function quietFlushing(redactor: SecretRedactor, emit: (text: string) => void) {
  const stream = new StreamRedactor(redactor);
  let timer: NodeJS.Timeout | undefined;
  return {
    push(chunk: string) {
      clearTimeout(timer);
      const shown = stream.push(chunk);
      if (shown) emit(shown);
      if (stream.holding) {
        timer = setTimeout(
          () => {
            const rest = stream.flush();
            if (rest) emit(rest);
          },
          stream.heldLength <= SHORT_PARTIAL_CHARS ? REDACTION_SHORT_HOLD_MS : REDACTION_HOLD_MS,
        );
        timer.unref();
      }
    },
    end() {
      clearTimeout(timer);
      const rest = stream.flush();
      if (rest) emit(rest);
    },
  };
}

function redactedReadable(source: Readable, redactor: SecretRedactor): Readable {
  const out = new PassThrough({ encoding: 'utf8' });
  const stream = quietFlushing(redactor, (text) => out.write(text));
  source.setEncoding('utf8');
  source.on('data', (chunk: string) => stream.push(chunk));
  source.on('end', () => {
    stream.end();
    out.end();
  });
  source.on('error', (error) => out.destroy(error));
  return out;
}

/**
 * The session's sandbox as everything of the server uses it: each command, process and shell gets the
 * session's secrets in its environment (never its argv), and every byte of output coming back has the
 * values taken out, so no viewer, transcript, store row or model request sees them.
 */
export function withSecrets(sandbox: Sandbox, secrets: SandboxSecrets): Sandbox {
  const envFor = (extra: Record<string, string> | undefined) => ({ ...secrets.env(), ...extra });
  const redactor = secrets.redactor;
  const wrapped: Sandbox = {
    id: sandbox.id,
    providerName: sandbox.providerName,
    ...(sandbox.network ? { network: sandbox.network } : {}),
    async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
      const onOutput = options.onOutput;
      const streams = onOutput && {
        stdout: quietFlushing(redactor, (text) => onOutput(text, 'stdout')),
        stderr: quietFlushing(redactor, (text) => onOutput(text, 'stderr')),
      };
      try {
        const result = await sandbox.exec(command, {
          ...options,
          env: envFor(options.env),
          onOutput: streams && ((text, stream) => streams[stream].push(text)),
        });
        return { ...result, stdout: redactor.redact(result.stdout), stderr: redactor.redact(result.stderr) };
      } finally {
        streams?.stdout.end();
        streams?.stderr.end();
      }
    },
    spawn(command, options = {}): SpawnedProcess {
      const child = sandbox.spawn(command, { ...options, env: envFor(options.env) });
      return { ...child, stdout: redactedReadable(child.stdout, redactor), stderr: redactedReadable(child.stderr, redactor) };
    },
    async openPty(options: PtyOptions): Promise<SandboxPty> {
      const pty = await sandbox.openPty({ ...options, env: envFor(options.env) });
      return {
        ...pty,
        onData(listener) {
          const stream = quietFlushing(redactor, listener);
          return pty.onData((data) => stream.push(data));
        },
      };
    },
    readFile: (path, options) => sandbox.readFile(path, options),
    readEntry: (path, options) => sandbox.readEntry(path, options),
    writeFile: (path, data, options) => sandbox.writeFile(path, data, options),
    listFiles: (path, options) => sandbox.listFiles(path, options),
    watch: (onChange, options) => sandbox.watch(onChange, options),
    close: (options) => sandbox.close(options),
  };
  if (sandbox.readBaseFile) wrapped.readBaseFile = sandbox.readBaseFile.bind(sandbox);
  if (sandbox.snapshot) wrapped.snapshot = sandbox.snapshot.bind(sandbox);
  if (sandbox.pause) wrapped.pause = sandbox.pause.bind(sandbox);
  return wrapped;
}
