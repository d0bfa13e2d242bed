import WebSocket from 'ws';
import { terminalPath, type TerminalServerMessage } from '@tandem/shared/protocol/terminal.js';

/** A terminal client as the browser runs it: collects the output and the control messages, types input. */
export function openTerminalClient(baseUrl: string, sessionId: string, token: string, terminalId = 't1') {
  const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}${terminalPath(sessionId, terminalId)}?token=${token}`);
  const state = { output: '', ready: false, messages: [] as TerminalServerMessage[] };
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      state.output += Buffer.from(data as Buffer).toString('utf8');
      return;
    }
    const message = JSON.parse(String(data)) as TerminalServerMessage;
    state.messages.push(message);
    if (message.type === 'ready') state.ready = true;
  });
  return { socket, state, type: (text: string) => socket.send(JSON.stringify({ type: 'input', data: text })) };
}
