/**
 * Requests to a Web Worker where only the newest one matters (a check or an explanation of what is in the
 * box now): at most one request is in flight, and while it runs only the newest new request waits. An
 * answer to anything but the newest request is dropped. A request that has run longer than `staleMs` when
 * a newer one arrives is abandoned: `restart` replaces the worker, so a slow check of an old input never
 * holds up the current one.
 */
export class LatestOnly<Req> {
  private seq = 0;
  private inFlight: { id: number; since: number } | undefined;
  private queued: Req | undefined;

  private readonly post: (id: number, req: Req) => void;
  private readonly restart: () => void;
  private readonly staleMs: number;
  private readonly now: () => number;

  constructor(post: (id: number, req: Req) => void, restart: () => void, staleMs = 4000, now: () => number = () => performance.now()) {
    this.post = post;
    this.restart = restart;
    this.staleMs = staleMs;
    this.now = now;
  }

  /** True while a request is in flight or waiting. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  submit(req: Req): void {
    if (!this.inFlight) {
      this.send(req);
    } else if (this.now() - this.inFlight.since > this.staleMs) {
      this.restart();
      this.send(req);
    } else {
      this.queued = req;
    }
  }

  /**
   * Call with the id of each answer. True when the answer is for the newest request (show it); false when
   * it is out of date (the waiting request, if any, has been sent in its place).
   */
  settle(id: number): boolean {
    if (!this.inFlight || id !== this.inFlight.id) return false;
    this.inFlight = undefined;
    if (this.queued === undefined) return true;
    const next = this.queued;
    this.queued = undefined;
    this.send(next);
    return false;
  }

  /** Forgets everything pending; answers still on their way are dropped. */
  cancel(): void {
    if (this.inFlight) this.restart();
    this.inFlight = undefined;
    this.queued = undefined;
    this.seq++;
  }

  private send(req: Req): void {
    const id = ++this.seq;
    this.inFlight = { id, since: this.now() };
    this.post(id, req);
  }
}
