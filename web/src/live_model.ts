// The live headline list's data: stories newest first, one row per story (a new version
// replaces its row where it is), which ones this user has opened, and the views over them
// (all, unread only, TOP's priority order).
import type { StoryFrame } from "./api";

export const PRIORITY_RANK: Record<string, number> = { flash: 0, urgent: 1, normal: 2 };

export class LiveModel {
  private rows: StoryFrame[] = [];   // newest first
  private readonly ids = new Set<string>();  // the stories in `rows`
  private readonly read = new Set<string>();

  constructor(private readonly maxRows = 20000) {}

  get all(): readonly StoryFrame[] {
    return this.rows;
  }

  // Adds frames (any order); returns how many rows were added at the top. A frame for a story
  // already listed updates that row in place, so what the user reads does not move.
  add(frames: readonly StoryFrame[]): number {
    const freshById = new Map<string, StoryFrame>();
    for (const f of frames) {
      if (this.ids.has(f.id)) {
        const at = this.rows.findIndex((r) => r.id === f.id);  // updates are rare: a scan is fine
        if (at >= 0 && f.seq > this.rows[at].seq) this.rows[at] = f;
        continue;
      }
      const prev = freshById.get(f.id);
      if (!prev || f.seq > prev.seq) freshById.set(f.id, f);
    }
    const fresh = [...freshById.values()];
    if (!fresh.length) return 0;
    for (const f of fresh) this.ids.add(f.id);
    fresh.sort((a, b) => b.seq - a.seq);
    // Frames normally arrive newer than everything listed; an older one (a late catch-up) goes
    // where its seq puts it, which is not the top.
    const newestListed = this.rows.length ? this.rows[0].seq : -1;
    const top = fresh.filter((f) => f.seq > newestListed);
    const older = fresh.filter((f) => f.seq <= newestListed);
    this.rows = top.concat(this.rows);
    for (const f of older) {
      const i = this.rows.findIndex((r) => r.seq < f.seq);
      this.rows.splice(i < 0 ? this.rows.length : i, 0, f);
    }
    if (this.rows.length > this.maxRows) {
      for (const r of this.rows.slice(this.maxRows)) this.ids.delete(r.id);
      this.rows.length = this.maxRows;
    }
    return top.length;
  }

  clear(): void {
    this.rows = [];
    this.ids.clear();
  }

  markRead(id: string): void {
    this.read.add(id);
  }
  isRead(id: string): boolean {
    return this.read.has(id);
  }

  view(unreadOnly: boolean): StoryFrame[] {
    return unreadOnly ? this.rows.filter((r) => !this.read.has(r.id)) : this.rows.slice();
  }

  // TOP: flash, then urgent, then the rest; newest first within each.
  top(limit = 500): StoryFrame[] {
    return this.rows.slice()
      .sort((a, b) => (PRIORITY_RANK[a.priority] ?? 3) - (PRIORITY_RANK[b.priority] ?? 3) || b.seq - a.seq)
      .slice(0, limit);
  }
}
