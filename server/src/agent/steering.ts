import type { QueuedMessage } from '@tandem/shared/doc/schema.js';
import type { PersonMessage } from './conversation.js';
import type { TranscriptWriter } from './transcript-writer.js';

function queuedToPerson(message: QueuedMessage): PersonMessage {
  return { id: message.id, authorId: message.authorId, authorName: message.authorName, text: message.text, delivery: message.delivery };
}

/**
 * How people steer one run: `steer` messages (in the doc's queue) are taken at a tool boundary,
 * `queue` messages when a turn ends, an interrupt cuts the current turn (its stream or tool) at once,
 * a stop ends the run. Holds the run's and the current turn's abort signals.
 */
export class Steering {
  private readonly runAbort = new AbortController();
  private turnAbort = new AbortController();
  private readonly interrupts: PersonMessage[] = [];
  private stopper: string | null = null;

  constructor(private readonly writer: TranscriptWriter) {}

  get runSignal(): AbortSignal {
    return this.runAbort.signal;
  }

  get turnSignal(): AbortSignal {
    return this.turnAbort.signal;
  }

  /** Who stopped the run, once someone has. */
  get stoppedBy(): string | null {
    return this.stopper;
  }

  /** A new turn gets a signal of its own (an interrupt cuts only the turn it arrives in). */
  startTurn(): void {
    this.turnAbort = new AbortController();
  }

  /** Cuts the current stream or tool call now; the message is delivered next. */
  interrupt(message: PersonMessage): void {
    this.interrupts.push(message);
    this.turnAbort.abort();
  }

  /** Ends the run; the first person to stop it is the one named. */
  stop(byName: string): void {
    this.stopper ??= byName;
    this.runAbort.abort();
    this.turnAbort.abort();
  }

  /** The interrupts not yet delivered, taken. */
  takeInterrupts(): PersonMessage[] {
    return this.interrupts.splice(0);
  }

  /** Who cut the running tool: the interrupters, else whoever stopped the run. */
  interrupterNames(): string {
    return [...new Set(this.interrupts.map((message) => message.authorName))].join(', ') || this.stopper || 'someone';
  }

  /** At a tool boundary: the steering messages, in queue order, written where the agent receives them. */
  takeSteers(): Promise<PersonMessage[]> {
    return this.writer.deliverQueued(
      (message) => message.delivery === 'steer',
      (taken) => taken.map(queuedToPerson),
    );
  }

  /**
   * When a turn ends: the steering messages, the first queued one and any interrupt that came after
   * the stream ended (nothing to cut, so delivered like a follow-up). When there is none, `onEmpty`
   * runs in the same step, so a message sent at that moment starts a new run instead.
   */
  takeNext(onEmpty: () => void): Promise<PersonMessage[]> {
    let tookQueued = false;
    return this.writer.deliverQueued(
      (message) => {
        if (message.delivery === 'steer') return true;
        if (tookQueued) return false;
        tookQueued = true;
        return true;
      },
      (taken) => {
        const delivered = taken.map(queuedToPerson);
        delivered.push(...this.interrupts.splice(0));
        if (delivered.length === 0) onEmpty();
        return delivered;
      },
    );
  }
}
