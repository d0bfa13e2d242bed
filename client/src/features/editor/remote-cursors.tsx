import { useEffect, useState } from 'react';
import type { WebsocketProvider } from 'y-websocket';
import { presenceStateSchema } from '@tandem/shared/protocol/presence.js';

/**
 * y-monaco marks each remote selection with classes named after the client id; this colours them
 * with the person's colour and labels the cursor with their name.
 */
export function RemoteCursorStyles({ provider, path }: { provider: WebsocketProvider; path: string }) {
  const [css, setCss] = useState('');
  useEffect(() => {
    const update = () => {
      const rules: string[] = [];
      for (const [clientId, state] of provider.awareness.getStates()) {
        if (clientId === provider.awareness.clientID) continue;
        const parsed = presenceStateSchema.safeParse(state);
        if (!parsed.success || parsed.data.openFile !== path) continue;
        const { color, name } = parsed.data.user;
        const label = JSON.stringify(name);
        rules.push(
          `.yRemoteSelection-${clientId} { background-color: ${color}33; }`,
          `.yRemoteSelectionHead-${clientId} { position: absolute; border-left: 2px solid ${color}; height: 100%; box-sizing: border-box; }`,
          `.yRemoteSelectionHead-${clientId}::after { content: ${label}; position: absolute; top: -1.3em; left: -2px; padding: 0 4px; font-size: 10px; line-height: 1.3em; white-space: nowrap; color: #fff; background: ${color}; border-radius: 3px 3px 3px 0; pointer-events: none; z-index: 5; }`,
        );
      }
      setCss(rules.join('\n'));
    };
    update();
    provider.awareness.on('change', update);
    return () => provider.awareness.off('change', update);
  }, [provider, path]);
  return <style>{css}</style>;
}
