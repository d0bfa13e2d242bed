import { describe, expect, it } from 'vitest';
import type { Sandbox } from './provider.js';

/**
 * What every Sandbox must do, whatever runs it. `open` gives a fresh sandbox whose workspace holds
 * the bundled example repo (package.json at the root); the suite closes it.
 */
export function sandboxContract(name: string, open: () => Promise<Sandbox> | undefined) {
  describe(`Sandbox contract: ${name}`, () => {
    const withSandbox = (title: string, body: (sandbox: Sandbox) => Promise<void>, timeoutMs = 20_000) =>
      it(
        title,
        async (context) => {
          const opening = open();
          if (!opening) return context.skip();
          const sandbox = await opening;
          try {
            await body(sandbox);
          } finally {
            await sandbox.close();
          }
        },
        timeoutMs,
      );

    withSandbox('runs a command in the workspace and reports its output and exit code', async (sandbox) => {
      const result = await sandbox.exec('ls package.json && echo oops >&2 && exit 3');
      expect(result).toMatchObject({ exitCode: 3, stdout: 'package.json\n', stderr: 'oops\n', timedOut: false, truncated: false });
    });

    withSandbox('stops a command at its timeout and caps its output', async (sandbox) => {
      const slow = await sandbox.exec('sleep 30', { timeoutMs: 300 });
      expect(slow.timedOut).toBe(true);
      expect(slow.durationMs).toBeLessThan(10_000);
      const loud = await sandbox.exec('head -c 100000 /dev/zero | tr "\\0" x', { maxOutputBytes: 1000 });
      expect(loud.stdout).toHaveLength(1000);
      expect(loud.truncated).toBe(true);
    });

    withSandbox('aborts a command through its signal', async (sandbox) => {
      const controller = new AbortController();
      const running = sandbox.exec('sleep 30', { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await expect(running).rejects.toThrow(/aborted/);
    });

    withSandbox('writes, reads and lists files that commands inside also see', async (sandbox) => {
      await sandbox.writeFile('notes/todo.txt', 'fix slugify\n');
      expect((await sandbox.exec('cat notes/todo.txt')).stdout).toBe('fix slugify\n');
      await sandbox.exec('echo from-inside > made-inside.txt');
      expect(new TextDecoder().decode(await sandbox.readFile('made-inside.txt'))).toBe('from-inside\n');
      const listed = (await sandbox.listFiles('.', { recursive: true })).map((entry) => entry.path);
      expect(listed).toEqual(expect.arrayContaining(['package.json', 'notes', 'notes/todo.txt', 'made-inside.txt', 'src/slugify.js']));
      await expect(sandbox.readFile('missing.txt')).rejects.toThrow(/does not exist/);
    });

    withSandbox('refuses file paths that leave the workspace', async (sandbox) => {
      await expect(sandbox.readFile('../../../../etc/passwd')).rejects.toThrow(/outside the workspace/);
      await expect(sandbox.writeFile('../escape.txt', 'x')).rejects.toThrow(/outside the workspace/);
      await sandbox.exec('ln -s / root-link');
      await expect(sandbox.readFile('root-link/etc/hostname')).rejects.toThrow(/outside the workspace/);
    });

    withSandbox('opens an interactive shell on a PTY', async (sandbox) => {
      const terminal = await sandbox.openPty({ cols: 80, rows: 24 });
      let output = '';
      terminal.onData((data) => (output += data));
      terminal.write('echo pty-$((6*7))\r');
      const deadline = Date.now() + 10_000;
      while (!output.includes('pty-42') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(output).toContain('pty-42');
      terminal.kill();
    });

    withSandbox('reports changes made inside to a watcher', async (sandbox) => {
      const seen: string[] = [];
      // The contract reports every change made once the watch says it is in place (not before).
      let stop = () => {};
      const ready = new Promise<void>((resolve) => {
        stop = sandbox.watch((event) => seen.push(event.path), { onReady: resolve });
      });
      await Promise.race([ready, new Promise((_resolve, reject) => setTimeout(() => reject(new Error('the watch never said it was ready')), 10_000))]);
      await sandbox.exec('echo changed > src/slugify.js');
      const deadline = Date.now() + 5_000;
      while (!seen.includes('src/slugify.js') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      stop();
      expect(seen).toContain('src/slugify.js');
    });
  });
}
