// What the screens get from the shell: where to draw, and the shell's shared actions.
import type { Me } from "./api";
import type { Command } from "./commands";
import type { ListView } from "./list_view";

export interface AppContext {
  me: Me;
  pane: HTMLElement;                          // the screen's area (left of the reader)
  setTitle(title: string): void;
  setList(list: ListView<any> | null): void;  // the list j/k/Enter act on
  openStory(id: string): void;
  run(command: Command): void;
  toast(text: string, options?: { kind?: "alert" | "error" | "info"; onClick?: () => void }): void;
  refreshAlertBadge(): void;
}
