/** In-memory SendingSwitch (the twin of SesSendingSwitch), for tests and the local stack. */
import type { SendingSwitch } from "../core/ports.js";

export class MemorySendingSwitch implements SendingSwitch {
  paused = false;
  /** pause() calls so far, for assertions. */
  pauses = 0;

  async pause(): Promise<void> {
    this.pauses += 1;
    this.paused = true;
  }

  async isPaused(): Promise<boolean> {
    return this.paused;
  }
}
