/**
 * Partial scores of candidate tickets by row id while a query reads doclists: an open-addressing
 * hash table in typed arrays. A query adds tens of thousands of postings, and a JS Map of number
 * keys cost ~170 ns an update (boxed doubles, rehashing) — a third of a query at 1M tickets; this
 * costs a few ns. Row ids are integers below 2^53 (see rowIdBase), negative ones included.
 */
export class PartialScores {
  private keys: Float64Array;
  private values: Float64Array;
  private used: Uint8Array;
  /** Slots in insertion order: ties are broken by first sight, as a Map's iteration would. */
  private order: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 1 << 15) {
    let capacity = 1 << 10;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.used = new Uint8Array(capacity);
    this.order = new Int32Array(capacity / 2);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  add(id: number, weight: number): void {
    let slot = this.slotOf(id);
    while (this.used[slot] === 1) {
      if (this.keys[slot] === id) {
        this.values[slot] = (this.values[slot] ?? 0) + weight;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    this.used[slot] = 1;
    this.keys[slot] = id;
    this.values[slot] = weight;
    this.order[this.count++] = slot;
    if (this.count === this.order.length) this.grow();
  }

  get(id: number): number | undefined {
    let slot = this.slotOf(id);
    while (this.used[slot] === 1) {
      if (this.keys[slot] === id) return this.values[slot];
      slot = (slot + 1) & this.mask;
    }
    return undefined;
  }

  /**
   * Ids of the `n` largest scores, best first, ties in insertion order; without sorting every
   * entry: the threshold is the n-th largest value, found on a typed-array copy.
   */
  top(n: number): number[] {
    const entries: [number, number][] = [];
    if (this.count <= n) {
      for (let i = 0; i < this.count; i++) entries.push(this.entry(i));
      return entries.sort((a, b) => b[1] - a[1]).map(([id]) => id);
    }
    const sorted = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) sorted[i] = this.values[this.order[i] ?? 0] ?? 0;
    sorted.sort();
    const threshold = sorted[this.count - n] ?? 0;
    const ties: [number, number][] = [];
    for (let i = 0; i < this.count; i++) {
      const value = this.values[this.order[i] ?? 0] ?? 0;
      if (value > threshold) entries.push(this.entry(i));
      else if (value === threshold) ties.push(this.entry(i));
    }
    return [...entries.sort((a, b) => b[1] - a[1]), ...ties.slice(0, n - entries.length)].map(([id]) => id);
  }

  private entry(i: number): [number, number] {
    const slot = this.order[i] ?? 0;
    return [this.keys[slot] ?? 0, this.values[slot] ?? 0];
  }

  private slotOf(id: number): number {
    const lo = id >>> 0;
    const hi = Math.floor(id / 4294967296) | 0;
    const h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
    return (h ^ (h >>> 15)) & this.mask;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    const order = this.order;
    const count = this.count;
    const capacity = keys.length * 2;
    this.keys = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.used = new Uint8Array(capacity);
    this.order = new Int32Array(capacity / 2);
    this.mask = capacity - 1;
    this.count = 0;
    for (let i = 0; i < count; i++) {
      const slot = order[i] ?? 0;
      this.add(keys[slot] ?? 0, values[slot] ?? 0);
    }
  }
}
