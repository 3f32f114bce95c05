import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { AnalysedDoc, ScoringParams } from './scoring.js';

/**
 * A chunk of tokenised tickets as the worker answers it: term strings cross the thread boundary
 * once each, then only as small integers ("local ids", numbered by the worker in order of first
 * sight), so the writing thread neither copies nor hashes a term string it has seen before.
 */
export interface EncodedChunk {
  /** The worker's dictionary was restarted before this chunk: local ids of earlier chunks mean nothing now. */
  readonly reset: boolean;
  /** Terms new to the worker's dictionary since its previous answer, in local-id order (the first is the next local id). */
  readonly terms: string[];
  /**
   * Per ticket: title length, body length (in tokens), the number n of distinct terms, then n
   * triples (local id, title count, body count), the terms in order of first occurrence (title,
   * then body: the order `termWeights` meets them, which is the order new terms get their ids).
   */
  readonly data: Int32Array;
}

/** Int32 values a ticket's encoding takes before its terms (see {@link EncodedChunk.data}). */
export const ENCODED_HEADER = 3;

/**
 * The worker's side of the protocol: an append-only dictionary term → local id, restarted (at a
 * chunk boundary) once it holds `maxTerms`, so memory stays bounded on huge vocabularies as the
 * index's own term cache does. Pure: tested without a thread.
 */
export class TermEncoder {
  private dict = new Map<string, number>();
  private fresh: string[] = [];
  /** Per local id: where the term's triple is in the output (valid while `stamp` holds the current ticket's number). */
  private slot = new Int32Array(1024);
  private stamp = new Int32Array(1024);
  private docNo = 0;

  constructor(private readonly maxTerms: number) {}

  /** Local ids handed out so far (the dictionary's size). */
  get size(): number {
    return this.dict.size;
  }

  encode(docs: readonly AnalysedDoc[]): EncodedChunk {
    let reset = false;
    if (this.dict.size >= this.maxTerms) {
      this.dict = new Map();
      reset = true;
    }
    let out = new Int32Array(docs.reduce((n, d) => n + ENCODED_HEADER + 3 * (d.title.length + d.body.length), 0));
    let at = 0;
    for (const doc of docs) {
      if (++this.docNo >= 2 ** 30) {
        this.docNo = 1;
        this.stamp.fill(0);
      }
      const docNo = this.docNo;
      out[at] = doc.title.length;
      out[at + 1] = doc.body.length;
      const start = at + ENCODED_HEADER;
      at = start;
      for (let f = 1; f <= 2; f++) {
        const tokens = f === 1 ? doc.title : doc.body;
        for (const term of tokens) {
          const id = this.localId(term);
          if (this.stamp[id] === docNo) (out[(this.slot[id] as number) + f] as number)++;
          else {
            this.stamp[id] = docNo;
            this.slot[id] = at;
            out[at] = id;
            out[at + 1] = f === 1 ? 1 : 0;
            out[at + 2] = f === 1 ? 0 : 1;
            at += 3;
          }
        }
      }
      out[start - 1] = (at - start) / 3;
    }
    out = out.subarray(0, at);
    const terms = this.fresh;
    this.fresh = [];
    return { reset, terms, data: out };
  }

  private localId(term: string): number {
    let id = this.dict.get(term);
    if (id === undefined) {
      id = this.dict.size;
      this.dict.set(term, id);
      this.fresh.push(term);
      if (id >= this.stamp.length) {
        const stamp = new Int32Array(this.stamp.length * 2);
        stamp.set(this.stamp);
        this.stamp = stamp;
        const slot = new Int32Array(this.slot.length * 2);
        slot.set(this.slot);
        this.slot = slot;
      }
    }
    return id;
  }
}

/**
 * The writing thread's side: the strings behind the worker's local ids, kept across answers
 * (answers drained after a failed write included, else the ids would shift). `generation`
 * changes when the worker restarts its dictionary, so a reader's local id → index id table built
 * on an older generation is dropped.
 */
export class TermDecoder {
  terms: string[] = [];
  generation = 0;

  accept(chunk: EncodedChunk): Int32Array {
    if (chunk.reset) {
      this.terms = [];
      this.generation++;
    }
    for (const term of chunk.terms) this.terms.push(term);
    return chunk.data;
  }
}

/**
 * One worker thread that tokenises tickets while the caller writes the previous ones: for bulk
 * loads (a backfill), where tokenising is a quarter of the time. Synchronous on the caller's side:
 * `request` sends a chunk, `receive` blocks (Atomics.wait) until the worker's answer is there, so
 * the index's writes stay one synchronous transaction. Answers come back in request order, as
 * {@link EncodedChunk}s whose local ids `decoder` resolves to strings.
 */
export class AnalysePool {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private received = 0;
  private outstanding = 0;
  readonly decoder = new TermDecoder();

  /** `maxTerms`: the worker's dictionary restarts past this many terms (memory bound on both threads). */
  constructor(params: ScoringParams, maxTerms = 500_000) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    // Run from source (tsx, vitest) the module is .ts, and the worker registers tsx's loader first
    // (the tsx CLI does not hand it down to workers); built, .js.
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(fromSource ? './analyse-worker.ts' : './analyse-worker.js', import.meta.url);
    const options = { workerData: { params, maxTerms, port: port2, signal: this.signal }, transferList: [port2] };
    this.worker = fromSource
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`, { ...options, eval: true })
      : new Worker(entry, options);
    this.worker.unref();
  }

  request(docs: readonly { title: string; description: string }[]): void {
    this.port.postMessage(docs.map((d) => ({ title: d.title, description: d.description })));
    this.outstanding++;
  }

  /** Drops answers still due (a write that failed part-way), so the next request's answer is its own; their new terms are still kept. */
  drain(): void {
    while (this.outstanding > 0) this.receive();
  }

  /** The answer to the oldest request not yet received: its `data` (see {@link EncodedChunk}); the terms are in `decoder`. */
  receive(timeoutMs = 120_000): Int32Array {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (m) {
        this.received++;
        this.outstanding--;
        return this.decoder.accept(m.message as EncodedChunk);
      }
      if (Date.now() > deadline) throw new Error('Similarity index: the tokenising worker did not answer (crashed?); load without it (upsertMany)');
      Atomics.wait(this.signal, 0, this.received, 100);
    }
  }

  async close(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }
}
