import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { AnalysedDoc, ScoringParams } from './scoring.js';

/**
 * One worker thread that tokenises tickets while the caller writes the previous ones: for bulk
 * loads (a backfill), where tokenising is a quarter of the time. Synchronous on the caller's side:
 * `request` sends a chunk, `receive` blocks (Atomics.wait) until the worker's answer is there, so
 * the index's writes stay one synchronous transaction. Answers come back in request order.
 */
export class AnalysePool {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private received = 0;
  private outstanding = 0;

  constructor(params: ScoringParams) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    // Run from source (tsx, vitest) the module is .ts, and the worker registers tsx's loader first
    // (the tsx CLI does not hand it down to workers); built, .js.
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(fromSource ? './analyse-worker.ts' : './analyse-worker.js', import.meta.url);
    const options = { workerData: { params, port: port2, signal: this.signal }, transferList: [port2] };
    this.worker = fromSource
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`, { ...options, eval: true })
      : new Worker(entry, options);
    this.worker.unref();
  }

  request(docs: readonly { title: string; description: string }[]): void {
    this.port.postMessage(docs.map((d) => ({ title: d.title, description: d.description })));
    this.outstanding++;
  }

  /** Drops answers still due (a write that failed part-way), so the next request's answer is its own. */
  drain(): void {
    while (this.outstanding > 0) this.receive();
  }

  /** The answer to the oldest request not yet received. */
  receive(timeoutMs = 120_000): AnalysedDoc[] {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (m) {
        this.received++;
        this.outstanding--;
        return m.message as AnalysedDoc[];
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
