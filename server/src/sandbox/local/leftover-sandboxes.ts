import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { removeSandboxDir } from './workspace-mount.js';

const execFileAsync = promisify(execFile);

/** Folders a local provider makes for sandboxes (`sbx_…`) and for snapshot setup runs (`setup_…`). */
const SANDBOX_FOLDER_PATTERN = /^(sbx|setup)_[0-9a-f]+$/;

export interface ReclaimPlan {
  /** Mount points to detach, deepest first (an overlay before the disk it sits on). */
  unmount: string[];
  /** Sandbox folders to delete once nothing is mounted in them. */
  remove: string[];
}

/**
 * Pure: what a server that stopped without cleaning up (kill -9, a crash, a power cut) left in its
 * sandboxes folder, given the host's mount points, the folder's entries and the sandboxes this
 * process runs now (never touched).
 */
export function decideReclaim(input: { sandboxesDir: string; mountPoints: readonly string[]; entries: readonly string[]; liveIds: ReadonlySet<string> }): ReclaimPlan {
  const leftover = input.entries.filter((name) => SANDBOX_FOLDER_PATTERN.test(name) && !input.liveIds.has(name));
  const folders = new Set(leftover.map((name) => path.join(input.sandboxesDir, name)));
  const unmount = input.mountPoints
    .filter((mountPoint) => [...folders].some((folder) => mountPoint.startsWith(`${folder}/`)))
    .sort((left, right) => right.split('/').length - left.split('/').length || right.length - left.length);
  return { unmount, remove: [...folders] };
}

/** Mount points as the kernel lists them (field 5 of mountinfo; spaces and the like are octal-escaped). */
export function parseMountPoints(mountInfo: string): string[] {
  return mountInfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => Boolean(field))
    .map((field) => field.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

export interface ReclaimReport {
  unmounted: number;
  removed: number;
  /** Folders kept because something is still mounted in them (said in the log). */
  kept: string[];
}

/**
 * Detaches the mounts and deletes the folders of sandboxes no live process of this server owns. A
 * folder is deleted only once nothing is mounted under it, so a delete never reaches into a snapshot
 * through an overlay that would not come off.
 */
export async function reclaimLeftoverSandboxes(sandboxesDir: string, liveIds: ReadonlySet<string>): Promise<ReclaimReport> {
  const entries = await readdir(sandboxesDir).catch(() => [] as string[]);
  const mountPoints = async () => parseMountPoints(await readFile('/proc/self/mountinfo', 'utf8').catch(() => ''));
  const plan = decideReclaim({ sandboxesDir, mountPoints: await mountPoints(), entries, liveIds });
  let unmounted = 0;
  for (const mountPoint of plan.unmount) {
    // Lazy: a mount whose files something still holds open comes off the tree now and is freed later.
    await execFileAsync('umount', ['-l', mountPoint]).then(
      () => (unmounted += 1),
      () => {},
    );
  }
  const stillMounted = await mountPoints();
  const kept: string[] = [];
  let removed = 0;
  for (const folder of plan.remove) {
    if (stillMounted.some((mountPoint) => mountPoint.startsWith(`${folder}/`))) {
      kept.push(folder);
      continue;
    }
    await removeSandboxDir(folder);
    removed += 1;
  }
  return { unmounted, removed, kept };
}

/** Names the process that owns a sandboxes folder, so a second server on the same folder never reclaims the first one's sandboxes. */
const OWNER_FILE = 'owner.json';

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat): with the pid, it names one process for good. */
async function processStartTicks(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  return stat ? (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null) : null;
}

/**
 * Claims a sandboxes folder for this process. Refused (with the owner's pid) while another live
 * server owns it; a dead owner's claim (a server killed with -9) is taken over.
 */
export async function claimSandboxesDir(sandboxesDir: string): Promise<{ claimed: true } | { claimed: false; ownerPid: number }> {
  const ownerFile = path.join(sandboxesDir, OWNER_FILE);
  await mkdir(sandboxesDir, { recursive: true });
  const recorded = await readFile(ownerFile, 'utf8')
    .then((text) => JSON.parse(text) as { pid?: unknown; startTicks?: unknown })
    .catch(() => null);
  if (recorded && typeof recorded.pid === 'number' && recorded.pid !== process.pid) {
    const startTicks = await processStartTicks(recorded.pid);
    if (startTicks !== null && startTicks === recorded.startTicks) return { claimed: false, ownerPid: recorded.pid };
  }
  await writeFile(ownerFile, JSON.stringify({ pid: process.pid, startTicks: await processStartTicks(process.pid) }), { mode: 0o600 });
  return { claimed: true };
}
