/**
 * Sends that carry doc content (a relayed update, a sync answer, a publish to other nodes) wait here
 * until the store has committed every update they could contain. Each is held with the persister's
 * count of updates seen when it was made and goes out, in the order it was held, once that many are
 * stored: whatever anyone was told survives a crash of this process.
 */
export class HeldUntilStored {
  private readonly waiting: Array<{ through: number; deliver: () => void }> = [];
  private stored = 0;

  /** Delivers now if the store already has the first `through` updates (and nothing earlier waits), else later. */
  hold(through: number, deliver: () => void): void {
    if (this.waiting.length === 0 && through <= this.stored) {
      deliver();
      return;
    }
    this.waiting.push({ through, deliver });
  }

  /** The store now has the first `stored` updates: everything held up to there goes out, in order. */
  release(stored: number): void {
    this.stored = Math.max(this.stored, stored);
    while (this.waiting.length > 0 && this.waiting[0]!.through <= this.stored) this.waiting.shift()!.deliver();
  }

  clear(): void {
    this.waiting.length = 0;
  }
}
