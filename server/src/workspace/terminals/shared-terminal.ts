import type { TerminalServerMessage } from '@tandem/shared/protocol/terminal.js';
import type { Sandbox, SandboxPty } from '../../sandbox/provider.js';
import { Scrollback } from './scrollback.js';
import { DEFAULT_TERMINAL_SIZE, decideTerminalSize, type TerminalSize } from './size-policy.js';

export interface TerminalViewer {
  readonly canType: boolean;
  sendOutput(data: Uint8Array): void;
  sendMessage(message: TerminalServerMessage): void;
}

const encoder = new TextEncoder();
/** A shell that dies sooner than this after starting is not restarted (it would loop). */
export const MIN_SHELL_LIFETIME_MS = 1000;

/**
 * One PTY in a sandbox, watched by many. Output goes to every viewer and into the scrollback; a
 * late joiner gets the scrollback then the live stream (same tick, so no gap and no duplicate).
 * When the shell exits, a new one starts.
 */
export class SharedTerminal {
  private pty: SandboxPty | null = null;
  private readonly scrollback = new Scrollback();
  private readonly viewers = new Map<TerminalViewer, TerminalSize | null>();
  private size: TerminalSize = DEFAULT_TERMINAL_SIZE;
  private closed = false;
  private resolveFirstOutput: () => void = () => {};
  /** Resolves when the shell first prints (its prompt): the terminal is ready. */
  readonly firstOutput = new Promise<void>((resolve) => (this.resolveFirstOutput = resolve));

  constructor(
    readonly id: string,
    private readonly sandbox: Sandbox,
  ) {}

  async start(): Promise<void> {
    const pty = await this.sandbox.openPty(this.size);
    const startedAtMs = Date.now();
    this.pty = pty;
    pty.onData((data) => this.broadcast(data));
    pty.onExit((exitCode) => {
      // A dead PTY cannot be resized or written to (its descriptor is gone): forget it before anything else.
      if (this.pty === pty) this.pty = null;
      if (this.closed) return;
      for (const viewer of this.viewers.keys()) viewer.sendMessage({ type: 'exit', exitCode });
      if (Date.now() - startedAtMs < MIN_SHELL_LIFETIME_MS) {
        this.broadcast(`\r\n[shell exited with ${exitCode} right after starting; not restarting it. Open a new terminal to try again]\r\n`);
        return;
      }
      this.broadcast(`\r\n\x1b[2m[shell exited with ${exitCode}; starting a new one]\x1b[0m\r\n`);
      void this.start().catch(() => this.broadcast('\r\n[could not start a new shell]\r\n'));
    });
  }

  attach(viewer: TerminalViewer): void {
    this.viewers.set(viewer, null);
    viewer.sendMessage({ type: 'ready', terminalId: this.id, canType: viewer.canType, ...this.size });
    const history = this.scrollback.read();
    if (history.length > 0) viewer.sendOutput(encoder.encode(history));
  }

  detach(viewer: TerminalViewer): void {
    this.viewers.delete(viewer);
    this.applySize();
  }

  input(viewer: TerminalViewer, data: string): boolean {
    if (!viewer.canType || !this.pty) return false;
    this.pty.write(data);
    return true;
  }

  /** A screen's size; only editors' screens size the PTY (see decideTerminalSize). */
  resize(viewer: TerminalViewer, size: TerminalSize): void {
    if (!this.viewers.has(viewer)) return;
    this.viewers.set(viewer, size);
    this.applySize();
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  close(): void {
    this.closed = true;
    this.pty?.kill();
  }

  private applySize(): void {
    const next = decideTerminalSize(
      [...this.viewers].map(([viewer, size]) => ({ size, canType: viewer.canType })),
      this.size,
    );
    if (next.cols === this.size.cols && next.rows === this.size.rows) return;
    this.size = next;
    try {
      this.pty?.resize(next.cols, next.rows);
    } catch {
      // The shell exited between its last output and this resize; its successor starts at `this.size`.
    }
    for (const viewer of this.viewers.keys()) viewer.sendMessage({ type: 'size', ...next });
  }

  private broadcast(data: string): void {
    this.resolveFirstOutput();
    this.scrollback.append(data);
    const bytes = encoder.encode(data);
    for (const viewer of this.viewers.keys()) viewer.sendOutput(bytes);
  }
}
