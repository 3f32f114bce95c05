import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

/**
 * An axios `transport` that asks `gate` once more at the last moment JavaScript still has before a
 * request's bytes reach the kernel: when the request gets its socket (a kept-alive socket is
 * written to right after, in the same tick) and, for a socket still connecting, when it connects
 * (ahead of the write Node queued for that moment). The check before `axios.request` alone
 * leaves several ticks in between; a daemon paused there (SIGSTOP, a frozen container) would send
 * the write when it resumes, after its lease went to another daemon. When `gate` throws, the
 * request is destroyed before anything is written and `refused` holds the error.
 */
export function gatedTransport(gate: () => void): { transport: { request: typeof http.request }; refused: () => Error | undefined } {
  let refusal: Error | undefined;
  const check = (request: http.ClientRequest): boolean => {
    try {
      gate();
      return true;
    } catch (error) {
      refusal = error instanceof Error ? error : new Error(String(error));
      request.destroy(refusal);
      return false;
    }
  };
  const request = ((options: http.RequestOptions & { protocol?: string | null }, callback?: (response: http.IncomingMessage) => void) => {
    const module = options.protocol === 'https:' ? https : http;
    const outgoing = module.request(options, callback);
    outgoing.once('socket', (socket: Socket) => {
      if (!check(outgoing)) return;
      if (socket.connecting) socket.once('connect', () => check(outgoing));
    });
    return outgoing;
  }) as typeof http.request;
  return { transport: { request }, refused: () => refusal };
}
