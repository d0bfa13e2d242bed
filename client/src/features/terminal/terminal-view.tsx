import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { CloseCode } from '../../../../shared/src/protocol/errors.js';
import { TOKEN_QUERY_PARAM } from '../../../../shared/src/protocol/http.js';
import { terminalPath, type TerminalClientMessage, type TerminalServerMessage } from '../../../../shared/src/protocol/terminal.js';

const RECONNECT_DELAY_MS = 1500;

export type TerminalStatus = { kind: 'connecting' } | { kind: 'live'; canType: boolean } | { kind: 'closed'; message: string };

/**
 * One shared terminal in xterm.js: output from the server's PTY, keystrokes sent as input when this
 * person may type. The PTY's size is decided on the server (smallest screen); this view reports its
 * own size and renders at the size the server settles on.
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
    let retry: ReturnType<typeof setTimeout> | null = null;
    const send = (message: TerminalClientMessage) => {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    };
    const reportSize = () => {
      const proposed = fit.proposeDimensions();
      if (proposed && proposed.cols > 0 && proposed.rows > 0) send({ type: 'resize', cols: proposed.cols, rows: proposed.rows });
    };

    const connect = () => {
      const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
      const url = `${protocol}//${window.location.host}${terminalPath(sessionId, terminalId)}?${TOKEN_QUERY_PARAM}=${encodeURIComponent(token)}`;
      const current = new WebSocket(url);
      socket = current;
      current.binaryType = 'arraybuffer';
      callbacks.current.onStatus({ kind: 'connecting' });
      current.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
        if (typeof event.data !== 'string') {
          terminal.write(new Uint8Array(event.data));
          return;
        }
        const message = JSON.parse(event.data) as TerminalServerMessage;
        switch (message.type) {
          case 'ready':
            canType = message.canType;
            terminal.reset();
            terminal.resize(message.cols, message.rows);
            callbacks.current.onStatus({ kind: 'live', canType });
            reportSize();
            return;
          case 'size':
            terminal.resize(message.cols, message.rows);
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
        if (disposed) return;
        const fatal = event.code >= 4400 && event.code < 4500;
        const reason = event.reason || (event.code === CloseCode.Forbidden ? 'No access to this terminal.' : 'Terminal disconnected.');
        callbacks.current.onStatus({ kind: 'closed', message: fatal ? reason : `${reason} Reconnecting…` });
        if (!fatal) retry = setTimeout(connect, RECONNECT_DELAY_MS);
      };
    };
    connect();

    const input = terminal.onData((data) => {
      if (!canType) {
        setNotice('You are viewing this session; only editors can type.');
        return;
      }
      send({ type: 'input', data });
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
    <div className="terminal-view">
      <div className="terminal-host" ref={containerRef} data-testid="terminal" />
      {notice && <div className="terminal-notice">{notice}</div>}
    </div>
  );
}
