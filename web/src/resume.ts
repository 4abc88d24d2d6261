// Reconnect and resume bookkeeping for the live stream. The server replays every story after
// `?after=SEQ` before it goes live, so a client that always reconnects from the last sequence
// number it has applied gets no gap; dropping any frame at or below that number means no
// duplicate either (a frame can arrive twice when a catch-up overlaps the list it started from).

export class ResumeCursor {
  private last: number;
  constructor(start = 0) {
    this.last = start;
  }
  get lastSeq(): number {
    return this.last;
  }
  // True when the frame is new (and it becomes the resume point); false for a repeat.
  accept(seq: number): boolean {
    if (!Number.isSafeInteger(seq) || seq <= this.last) return false;
    this.last = seq;
    return true;
  }
  // The stream URL's query for the next connection.
  query(): string {
    return this.last > 0 ? `?after=${this.last}` : "";
  }
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  jitter: number;  // 0..1: the delay is scaled by a random factor in [1 - jitter, 1]
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15000, jitter: 0.2 };

// Delay before reconnect attempt `attempt` (0 = first after a drop): base × 2^attempt, capped,
// less up to `jitter` of it at random so that clients cut off together do not return together.
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF,
                             random: () => number = Math.random): number {
  const raw = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(raw * (1 - options.jitter * random()));
}

// Close codes after which reconnecting cannot help: the session ended (log in again).
export const CLOSE_SESSION_ENDED = 4003;
export function shouldReconnect(code: number): boolean {
  return code !== CLOSE_SESSION_ENDED;
}
