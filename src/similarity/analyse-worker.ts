/**
 * Worker-thread entry of {@link AnalysePool}: tokenises the tickets it is sent (`analyse`, no
 * weights: those need the index's running lengths) and bumps the shared counter so a main thread
 * blocked in `Atomics.wait` wakes to read the answer.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { analyse, type ScoringParams } from './scoring.js';

interface Setup {
  readonly params: ScoringParams;
  readonly port: MessagePort;
  readonly signal: Int32Array;
}

const { params, port, signal } = workerData as Setup;
port.on('message', (docs: readonly { title: string; description: string }[]) => {
  port.postMessage(docs.map((d) => analyse(d, params)));
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
