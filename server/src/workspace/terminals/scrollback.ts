/** The most recent output of a terminal, bounded: what a late joiner sees before the live stream. */
export const TERMINAL_SCROLLBACK_CHARS = 256 * 1024;

export class Scrollback {
  private chunks: string[] = [];
  private length = 0;

  constructor(private readonly limitChars: number = TERMINAL_SCROLLBACK_CHARS) {}

  append(data: string): void {
    this.chunks.push(data);
    this.length += data.length;
    while (this.length > this.limitChars && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      const excess = this.length - this.limitChars;
      if (first.length <= excess) {
        this.chunks.shift();
        this.length -= first.length;
      } else {
        this.chunks[0] = first.slice(excess);
        this.length -= excess;
      }
    }
  }

  read(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join('')];
    return this.chunks[0] ?? '';
  }
}
