import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { TOKEN_QUERY_PARAM } from '@tandem/shared/protocol/http.js';
import { clampTerminalSize, terminalPath, type TerminalClientMessage, type TerminalServerMessage } from '@tandem/shared/protocol/terminal.js';
import { decideTerminalReconnect, describeTerminalClose } from './terminal-reconnect.js';

export type TerminalStatus =
  | { kind: 'connecting' }
  | { kind: 'live'; canType: boolean }
  | { kind: 'reconnecting'; message: string }
  | { kind: 'closed'; message: string };

/**
 * One shared terminal in xterm.js: output from the server's PTY, keystrokes sent as input when this
 * person may type. The PTY's size is decided on the server (the smallest editor's screen; a viewer's
 * screen never counts); this view reports its own size and renders at the size the server settles
 * on. A screen smaller than that (a viewer's, or an editor's until the server answers) scrolls.
 */
export function TerminalView({
  sessionId,
  terminalId,
  token,
  onTyping,
  onStatus,
}: {
  sessionId: string;
  terminalId: string;
  token: string;
  onTyping: () => void;
  onStatus: (status: TerminalStatus) => void;
}) {
  const containerRef = useRef<HTMLDivElement>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** The PTY's size when it is bigger than this screen shows and this person cannot make it smaller (a viewer). */
  const [largerThanView, setLargerThanView] = useState<{ cols: number; rows: number } | null>(null);
  const callbacks = useRef({ onTyping, onStatus });
  callbacks.current = { onTyping, onStatus };

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const terminal = new Terminal({
      cursorBlink: true,
      fontFamily: "'JetBrains Mono', ui-monospace, 'DejaVu Sans Mono', monospace",
      fontSize: 13,
      scrollback: 5000,
      theme: { background: '#0b0d11', foreground: '#e6e8ee', cursor: '#8e7bea', selectionBackground: '#3a3060' },
    });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(container);

    let socket: WebSocket | null = null;
    let canType = false;
    let disposed = false;
    let failedAttempts = 0;
    let retry: ReturnType<typeof setTimeout> | null = null;
    const send = (message: TerminalClientMessage): boolean => {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    };
    const measure = () => {
      const proposed = fit.proposeDimensions();
      // A hidden or collapsed panel measures 0 (or NaN): nothing to report until it is shown again.
      return proposed && proposed.cols > 0 && proposed.rows > 0 ? proposed : null;
    };
    /** A viewer cannot size the PTY: when it is bigger than their screen, they scroll, and are told why. */
    const noteLargerThanView = () => {
      const proposed = measure();
      const larger = !canType && proposed !== null && (terminal.cols > proposed.cols || terminal.rows > proposed.rows);
      setLargerThanView(larger ? { cols: terminal.cols, rows: terminal.rows } : null);
    };
    const reportSize = () => {
      const proposed = measure();
      if (!proposed) return;
      noteLargerThanView();
      // The PTY has a smallest size; a shorter screen scrolls inside it rather than being refused.
      send({ type: 'resize', ...clampTerminalSize(proposed) });
    };

    const connect = () => {
      const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
      const url = `${protocol}//${window.location.host}${terminalPath(sessionId, terminalId)}?${TOKEN_QUERY_PARAM}=${encodeURIComponent(token)}`;
      const current = new WebSocket(url);
      socket = current;
      current.binaryType = 'arraybuffer';
      // While reconnecting, the status keeps saying why the terminal went away.
      if (failedAttempts === 0) callbacks.current.onStatus({ kind: 'connecting' });
      current.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
        if (typeof event.data !== 'string') {
          terminal.write(new Uint8Array(event.data));
          return;
        }
        const message = JSON.parse(event.data) as TerminalServerMessage;
        switch (message.type) {
          case 'ready':
            failedAttempts = 0;
            canType = message.canType;
            terminal.reset();
            terminal.resize(message.cols, message.rows);
            callbacks.current.onStatus({ kind: 'live', canType });
            reportSize();
            return;
          case 'size':
            terminal.resize(message.cols, message.rows);
            noteLargerThanView();
            return;
          case 'refused':
            setNotice(message.message);
            return;
          case 'exit':
            return;
          default:
            message satisfies never;
        }
      };
      current.onclose = (event) => {
        if (disposed || socket !== current) return;
        failedAttempts += 1;
        const decision = decideTerminalReconnect(event.code, failedAttempts);
        const message = describeTerminalClose(event.code, event.reason);
        if (decision.kind === 'give-up') {
          callbacks.current.onStatus({ kind: 'closed', message });
          return;
        }
        callbacks.current.onStatus({ kind: 'reconnecting', message: `${message} Reconnecting…` });
        retry = setTimeout(connect, decision.delayMs);
      };
    };
    connect();

    const input = terminal.onData((data) => {
      if (!canType) {
        setNotice('You are viewing this session; only editors can type.');
        return;
      }
      // Keys typed while the terminal reconnects cannot reach the shell: say so instead of losing them quietly.
      if (!send({ type: 'input', data })) {
        setNotice('Not connected: those keys were not sent. Reconnecting…');
        return;
      }
      callbacks.current.onTyping();
    });
    const observer = new ResizeObserver(() => reportSize());
    observer.observe(container);

    return () => {
      disposed = true;
      if (retry) clearTimeout(retry);
      observer.disconnect();
      input.dispose();
      socket?.close();
      terminal.dispose();
    };
  }, [sessionId, terminalId, token]);

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), 3000);
    return () => clearTimeout(timer);
  }, [notice]);

  return (
    <div className={largerThanView ? 'terminal-view with-size-hint' : 'terminal-view'}>
      {largerThanView && (
        <div className="terminal-size-hint" data-testid="terminal-size-hint">
          <strong>
            {largerThanView.cols}×{largerThanView.rows}
          </strong>
          <span>sized for the editors’ screens · scroll to see all of it</span>
        </div>
      )}
      <div className="terminal-host" ref={containerRef} data-testid="terminal" />
      {notice && <div className="terminal-notice">{notice}</div>}
    </div>
  );
}
