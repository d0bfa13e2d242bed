import './monaco-environment.js';
import * as monaco from 'monaco-editor';
import { useEffect, useRef } from 'react';
import { MonacoBinding } from 'y-monaco';
import type { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';

monaco.editor.defineTheme('tandem-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#0b0d11', 'editorGutter.background': '#0b0d11', 'editor.lineHighlightBackground': '#151922' },
});

/**
 * Monaco bound to a file's Y.Text with y-monaco: every keystroke is a CRDT edit, and the others'
 * cursors and selections arrive through awareness. The language follows the file's extension.
 */
export default function CodeEditor({ path, text, provider, readOnly }: { path: string; text: Y.Text; provider: WebsocketProvider; readOnly: boolean }) {
  const hostRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const model = monaco.editor.createModel('', undefined, monaco.Uri.file(`/workspace/${path}`));
    const editor = monaco.editor.create(host, {
      model,
      theme: 'tandem-dark',
      readOnly,
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace",
      scrollBeyondLastLine: false,
      renderWhitespace: 'selection',
      tabSize: 2,
    });
    const binding = new MonacoBinding(text, model, new Set([editor]), provider.awareness);
    return () => {
      binding.destroy();
      editor.dispose();
      model.dispose();
      // Others should not see a cursor in a file this person closed.
      provider.awareness.setLocalStateField('selection', null);
    };
  }, [path, text, provider, readOnly]);

  return <div className="code-editor" ref={hostRef} data-testid="code-editor" data-path={path} />;
}
