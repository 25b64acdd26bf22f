// Which loops are still turning: each loop beats when it completes a round, and says how long a silence
// means it is stuck. Readiness reports a loop that missed its beat; nothing here restarts anything.

interface Beat {
  at: number;
  maxSilenceMs: number;
}

export interface LoopState {
  name: string;
  ok: boolean;
  last_beat_ms_ago: number;
  max_silence_ms: number;
}

export class Liveness {
  private beats = new Map<string, Beat>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The loop `name` finished a round; silent for longer than `maxSilenceMs` it counts as stuck. */
  beat(name: string, maxSilenceMs: number): void {
    this.beats.set(name, { at: this.now(), maxSilenceMs });
  }

  states(): LoopState[] {
    const now = this.now();
    return [...this.beats].map(([name, b]) => ({
      name,
      ok: now - b.at <= b.maxSilenceMs,
      last_beat_ms_ago: now - b.at,
      max_silence_ms: b.maxSilenceMs,
    }));
  }
}
