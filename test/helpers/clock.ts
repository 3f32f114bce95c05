/**
 * A clock that runs with real time but can be moved forward: tests `advance` it where they used
 * to sleep, so "the hour runs out" or "the retry falls due" takes no wall-clock time. Hand `now`
 * to whatever accepts a clock (Daemon `now`/`ruleNow`, sandbox stores, `now` of the Jira sandbox).
 */
export class TestClock {
  private offsetMs = 0;

  /** The current time: real time plus everything advanced so far. */
  readonly now = (): Date => new Date(Date.now() + this.offsetMs);

  /** Moves the clock `ms` forward, as if that much time had passed. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
