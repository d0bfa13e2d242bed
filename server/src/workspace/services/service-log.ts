import type { TerminalServerMessage } from '@tandem/shared/protocol/terminal.js';
import { Scrollback } from '../terminals/scrollback.js';
import type { TerminalViewer } from '../terminals/shared-terminal.js';

/** How much of a service's log the server keeps (a ring: the oldest output goes first). */
export const SERVICE_LOG_CHARS = 128 * 1024;
/** How much of the log's end the doc shows beside a failed or crashed service. */
export const SERVICE_LOG_TAIL_CHARS = 2_000;
/** The size a service log tab starts at: it has no PTY, so each viewer's own screen size is given back to it. */
const LOG_SIZE = { cols: 80, rows: 24 } as const;

const encoder = new TextEncoder();

/**
 * A service's output, kept bounded and streamed to its read-only terminal tab: late joiners get what
 * is kept, then the live stream. Nobody types into it, whatever their role.
 */
export class ServiceLog {
  private readonly kept: Scrollback;
  private readonly viewers = new Set<TerminalViewer>();
  /** Told to people who type into the tab. */
  readonly inputRefusal = "This tab shows a service's log; it takes no input. Use a terminal tab to run commands.";

  constructor(
    readonly id: string,
    limitChars: number = SERVICE_LOG_CHARS,
  ) {
    this.kept = new Scrollback(limitChars);
  }

  append(text: string): void {
    this.kept.append(text);
    const bytes = encoder.encode(toTerminalLines(text));
    for (const viewer of this.viewers) viewer.sendOutput(bytes);
  }

  /** The end of the log as plain text, for the doc. */
  tail(maxChars: number = SERVICE_LOG_TAIL_CHARS): string {
    const text = this.kept.read();
    return text.length > maxChars ? text.slice(text.length - maxChars) : text;
  }

  attach(viewer: TerminalViewer): void {
    this.viewers.add(viewer);
    const ready: TerminalServerMessage = { type: 'ready', terminalId: this.id, canType: false, ...LOG_SIZE };
    viewer.sendMessage(ready);
    const history = this.kept.read();
    if (history.length > 0) viewer.sendOutput(encoder.encode(toTerminalLines(history)));
  }

  detach(viewer: TerminalViewer): void {
    this.viewers.delete(viewer);
  }

  input(): boolean {
    return false;
  }

  /** No PTY to share: every viewer gets their own screen's size, so long log lines wrap to fit it. */
  resize(viewer: TerminalViewer, size: { cols: number; rows: number }): void {
    if (this.viewers.has(viewer)) viewer.sendMessage({ type: 'size', ...size });
  }
}

/** A terminal moves down a line on \n but only returns to the margin on \r. */
const toTerminalLines = (text: string) => text.replace(/\r?\n/g, '\r\n');
