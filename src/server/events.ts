// In-process events for live views (web UI, log followers): who changed, not what they look like now.
export type ServerEvent =
  | { type: "build"; namespaceId: number; iterationId: number; buildId: number; status: string }
  | { type: "iteration"; namespaceId: number; iterationId: number }
  | { type: "namespace"; namespaceId: number }
  | { type: "log"; buildId: number };

export class ServerEvents {
  private listeners = new Set<(e: ServerEvent) => void>();
  private changes = new Map<number, number>();
  /** How many events a namespace has had: equal counts mean nothing about it changed in between. */
  changesOf(namespaceId: number): number {
    return this.changes.get(namespaceId) ?? 0;
  }
  /**
   * A change written but not announced yet: events go out after their transaction commits, and a read in
   * between must not take an answer cached before the change for current.
   */
  touch(namespaceId: number): void {
    this.changes.set(namespaceId, this.changesOf(namespaceId) + 1);
  }
  emit(event: ServerEvent): void {
    if (event.type !== "log") this.changes.set(event.namespaceId, this.changesOf(event.namespaceId) + 1);
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken listener (closed stream) must not break the emitter.
      }
    }
  }
  subscribe(listener: (e: ServerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
