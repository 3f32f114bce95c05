import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../../src/http/client.js';
import { HostQueueRegistry } from '../../../src/http/queue.js';
import { LeaseUnconfirmedError } from '../../../src/state/lease.js';

// A real server: the point is what reaches a socket, which an HTTP mock cannot tell.
const received: string[] = [];
let server: http.Server;
let baseUrl: string;
let connections = 0;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    received.push(`${request.method} ${request.url}`);
    request.resume();
    request.on('end', () => response.setHeader('content-type', 'application/json').end('{"ok":true}'));
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A gate that lets the first `open` checks through and refuses every later one, as a lease lost mid-request would. */
function gateOpenFor(open: number) {
  let asked = 0;
  return {
    gate: () => {
      asked += 1;
      if (asked > open) throw new LeaseUnconfirmedError('src-1', 9_000, 3_000);
    },
    asked: () => asked,
  };
}

function client(writeGate: () => void) {
  return createHttpClient({
    platform: 'example',
    platformLabel: 'Example',
    sourceId: 'src-1',
    baseUrl,
    rateLimit: { requestsPerMinute: 6000, concurrency: 1 },
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterSeconds: 1, timeoutMs: 2000 },
    hostQueues: new HostQueueRegistry(),
    writeGate,
  });
}

describe('the write gate at the socket', () => {
  it('a write whose lease is lost between the first check and the socket is never sent, and fails with the lease error, not retried', async () => {
    received.length = 0;
    const { gate, asked } = gateOpenFor(1);
    const instance = client(gate);

    await expect(instance.request({ method: 'POST', url: '/api/things', data: { a: 1 } })).rejects.toBeInstanceOf(LeaseUnconfirmedError);

    expect(received).toEqual([]);
    expect(asked()).toBe(2);
  });

  it('checks again on a kept-alive socket as well as on a new connection, and a gate that stays open lets every write through', async () => {
    received.length = 0;
    const { gate, asked } = gateOpenFor(Number.POSITIVE_INFINITY);
    const instance = client(gate);

    await instance.request({ method: 'PATCH', url: '/api/things/1', data: { b: 2 } });
    await instance.request({ method: 'PATCH', url: '/api/things/2', data: { b: 3 } });

    expect(received).toEqual(['PATCH /api/things/1', 'PATCH /api/things/2']);
    // Per write: before axios, at the socket, and at connect when the socket was new (the first at least).
    expect(asked()).toBeGreaterThanOrEqual(5);
  });

  it('a refusal on a kept-alive socket sends nothing either', async () => {
    received.length = 0;
    await client(() => undefined).request({ method: 'POST', url: '/api/warm', data: {} });
    const connectionsBefore = connections;

    const { gate } = gateOpenFor(1);
    await expect(client(gate).request({ method: 'POST', url: '/api/late', data: {} })).rejects.toBeInstanceOf(LeaseUnconfirmedError);

    expect(received).toEqual(['POST /api/warm']);
    // The refused write was given the warm socket (no new connection), so the check at the socket refused it.
    expect(connections).toBe(connectionsBefore);
  });

  it('a write refused when its new connection opens sends nothing: the check at connect runs before the write Node queued for it', async () => {
    received.length = 0;
    server.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const connectionsBefore = connections;

    const { gate, asked } = gateOpenFor(2);
    await expect(client(gate).request({ method: 'PUT', url: '/api/new', data: {} })).rejects.toBeInstanceOf(LeaseUnconfirmedError);

    expect(received).toEqual([]);
    expect(asked()).toBe(3);
    expect(connections).toBe(connectionsBefore + 1);
  });

  it('reads are not gated', async () => {
    received.length = 0;
    const instance = client(() => {
      throw new LeaseUnconfirmedError('src-1', 9_000, 3_000);
    });
    await instance.request({ method: 'GET', url: '/api/things' });
    expect(received).toEqual(['GET /api/things']);
  });
});
