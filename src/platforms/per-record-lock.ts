/**
 * Runs writes to one record one after another: two writes to a ticket never interleave (a note
 * never overtakes the assignment it describes), while writes to different tickets run freely.
 * A write that fails does not block the next one.
 */
export class PerRecordLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(work, work);
    const settled = current.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, settled);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    }
  }
}
