// The live stream: one WebSocket to /api/v1/stream, reconnected with backoff after any drop and
// resumed from the last applied sequence number (see resume.ts for why that has no gaps and no
// duplicates). Story frames are handed over in batches, at most one batch per animation frame.
import type { AlertFrame, StoryFrame } from "./api";
import { backoffDelay, ResumeCursor, shouldReconnect } from "./resume";

export type StreamState =
  | { state: "connecting" }
  | { state: "live" }
  | { state: "down"; code: number; reason: string; retryInMs: number }
  | { state: "ended"; reason: string };

export interface StreamHandlers {
  stories: (frames: StoryFrame[]) => void;
  alert: (frame: AlertFrame) => void;
  state: (s: StreamState) => void;
}

export class LiveStream {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer = 0;
  private pending: StoryFrame[] = [];
  private flushScheduled = false;
  private stopped = false;
  readonly cursor: ResumeCursor;

  constructor(after: number, private readonly on: StreamHandlers) {
    this.cursor = new ResumeCursor(after);
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close();
      this.ws = null;
    }
  }

  private connect(): void {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    this.on.state({ state: "connecting" });
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/stream${this.cursor.query()}`);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.on.state({ state: "live" });
    };
    ws.onmessage = (ev) => this.frame(String(ev.data));
    ws.onclose = (ev) => {
      this.ws = null;
      this.flush();
      if (this.stopped) return;
      if (!shouldReconnect(ev.code)) {
        this.on.state({ state: "ended", reason: ev.reason || "the session ended" });
        return;
      }
      const delay = backoffDelay(this.attempt++);
      this.on.state({ state: "down", code: ev.code, reason: ev.reason, retryInMs: delay });
      this.timer = window.setTimeout(() => this.connect(), delay);
    };
  }

  private frame(text: string): void {
    let f: { type?: string; seq?: number };
    try {
      f = JSON.parse(text);
    } catch {
      return;
    }
    if (f.type === "story" && typeof f.seq === "number") {
      if (!this.cursor.accept(f.seq)) return;
      this.pending.push(f as StoryFrame);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        requestAnimationFrame(() => this.flush());
      }
    } else if (f.type === "alert") {
      this.on.alert(f as unknown as AlertFrame);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.on.stories(batch);
  }
}
