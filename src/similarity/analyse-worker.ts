/**
 * Worker-thread entry of {@link AnalysePool}: tokenises the tickets it is sent (`analyse`, no
 * weights: those need the index's running lengths), answers them encoded against its term
 * dictionary (`TermEncoder`; the data's buffer is transferred, not copied) and bumps the shared
 * counter so a main thread blocked in `Atomics.wait` wakes to read the answer.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { TermEncoder } from './analyse-pool.js';
import { analyse, type ScoringParams } from './scoring.js';

interface Setup {
  readonly params: ScoringParams;
  readonly maxTerms: number;
  readonly port: MessagePort;
  readonly signal: Int32Array;
}

const { params, maxTerms, port, signal } = workerData as Setup;
const encoder = new TermEncoder(maxTerms);
port.on('message', (docs: readonly { title: string; description: string }[]) => {
  const chunk = encoder.encode(docs.map((d) => analyse(d, params)));
  port.postMessage(chunk, [chunk.data.buffer as ArrayBuffer]);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
