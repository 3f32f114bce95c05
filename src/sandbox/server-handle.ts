import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultInjector } from './faults.js';

/** Starts listening; resolves with the base URL (`http://host:port`), rejects when the port is taken. */
export async function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shown}:${address.port}`;
}

/** What every simulated platform hands its tests: the request log, fault controls and close(). */
export function sandboxHandle<T>(server: Server, faults: FaultInjector, requestLog: T[]) {
  let closing: Promise<void> | undefined;
  return {
    requestLog,
    resetRequestLog(): void {
      requestLog.length = 0;
    },
    faultLog: faults.log,
    faultCounts: () => faults.stats(),
    clearFaultLog: () => faults.clearLog(),
    setFaults: (config: Parameters<FaultInjector['configure']>[0]) => faults.configure(config),
    getFaults: () => faults.current(),
    close(): Promise<void> {
      faults.dispose();
      // Idempotent: a test may close early (e.g. with hanging requests) and again in afterEach.
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
