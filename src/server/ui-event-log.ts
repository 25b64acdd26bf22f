// The live pages' replay buffer: the recent server events, numbered, so a page that connects after it was
// rendered, or reconnects, is sent exactly what it has not seen yet.
import type { ServerEvent, ServerEvents } from "./events";

export interface Numbered {
  seq: number;
  event: ServerEvent;
}

/** The recent events with sequence numbers, so streams can replay what a page has not seen yet. */
export class UiEventLog {
  private ring: Numbered[] = [];
  private seq = 0;
  private listeners = new Set<(e: Numbered) => void>();

  constructor(
    events: ServerEvents,
    private readonly capacity = 20_000,
  ) {
    events.subscribe((event) => {
      const numbered = { seq: ++this.seq, event };
      this.ring.push(numbered);
      if (this.ring.length > this.capacity * 1.25) this.ring.splice(0, this.ring.length - this.capacity);
      for (const l of this.listeners) l(numbered);
    });
  }

  /** The sequence number of the newest event: a page rendered now has seen everything up to it. */
  get cursor(): number {
    return this.seq;
  }

  /** Events after `seq`, or null when some of them are no longer kept. */
  since(seq: number): Numbered[] | null {
    if (seq >= this.seq) return [];
    const first = this.ring[0]?.seq ?? this.seq + 1;
    if (seq + 1 < first) return null;
    return this.ring.slice(seq + 1 - first);
  }

  subscribe(listener: (e: Numbered) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
