import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** A host command the local sandbox runs, and the distribution packages that bring it. */
export interface SandboxTool {
  command: string;
  /** Package names per package manager (Debian/Ubuntu, Fedora/RHEL). */
  packages: { 'apt-get': string; dnf: string };
  /** `required`: no sandbox without it; `recommended`: sandboxes work, with less (said in `without`). */
  need: 'required' | 'recommended';
  /** What the sandbox does with it, for the start-up message. */
  purpose: string;
  /** For a recommended tool: what the server does instead. */
  without?: string;
}

/** Everything the local provider runs on the host, in the order a person should read about it. */
export const LOCAL_SANDBOX_TOOLS: readonly SandboxTool[] = [
  { command: 'bwrap', packages: { 'apt-get': 'bubblewrap', dnf: 'bubblewrap' }, need: 'required', purpose: 'isolates each sandbox' },
  { command: 'setpriv', packages: { 'apt-get': 'util-linux', dnf: 'util-linux' }, need: 'required', purpose: 'runs each sandbox as its own unprivileged uid' },
  { command: 'prlimit', packages: { 'apt-get': 'util-linux', dnf: 'util-linux' }, need: 'required', purpose: 'limits processes, open files and file sizes' },
  { command: 'mount', packages: { 'apt-get': 'mount', dnf: 'util-linux' }, need: 'required', purpose: 'mounts each copy-on-write workspace' },
  {
    command: 'mkfs.ext4',
    packages: { 'apt-get': 'e2fsprogs', dnf: 'e2fsprogs' },
    need: 'recommended',
    purpose: 'gives each workspace a disk of its own size',
    without: 'workspaces are bounded by a tmpfs, in memory',
  },
  { command: 'git', packages: { 'apt-get': 'git', dnf: 'git' }, need: 'recommended', purpose: 'clones repos given by URL', without: 'only local folders can be repos' },
];

/** Whether `command` is an executable on PATH, as execFile would find it (no shell involved). */
export function commandOnPath(command: string, searchPath = process.env.PATH ?? ''): boolean {
  return searchPath
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => {
      try {
        accessSync(path.join(dir, command), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** The tools of `tools` this host lacks. */
export function findMissingTools(tools: readonly SandboxTool[] = LOCAL_SANDBOX_TOOLS, isOnPath: (command: string) => boolean = commandOnPath): SandboxTool[] {
  return tools.filter((tool) => !isOnPath(tool.command));
}
