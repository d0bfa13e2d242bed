import type { CheckFailure } from '@tandem/shared/doc/run-schema.js';
import type { WorkspaceStart } from './workspace-changes.js';

/**
 * What one blueprint run remembers between its checks (a fix round's checks run again): where the
 * run started, and which files each check failed on last time, so a check narrowed to what changed
 * still looks again at what it failed on.
 */
export class ChecksMemory {
  /** Read from the workspace the first time checks run; it stays the run's start after that. */
  start: WorkspaceStart | undefined;
  private readonly failedFiles = new Map<string, readonly string[] | 'unknown'>();

  /** undefined: the check has not run in this run yet. */
  failedBefore(check: string): readonly string[] | 'unknown' | undefined {
    return this.failedFiles.get(check);
  }

  /** After a check ran: the files it failed on, or 'unknown' when some failures were not kept or had no file. */
  remember(check: string, passed: boolean, failures: readonly CheckFailure[], total: number): void {
    if (passed) {
      this.failedFiles.set(check, []);
      return;
    }
    const files = failures.map((failure) => failure.file);
    const complete = total === failures.length && files.length > 0 && files.every((file) => file !== undefined);
    this.failedFiles.set(check, complete ? [...new Set(files as string[])] : 'unknown');
  }
}
