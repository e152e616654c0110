import { afterAll } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got: when, with which headers and body, and the status it answered (0: none). */
export interface ReceivedHit {
  at: number;
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * Answers a request: `respond` (and return nothing) or leave it unanswered, so the sender times out. `n` counts the
 * receiver's requests from 1.
 */
export type ReceiverHandler = (request: IncomingMessage, response: ServerResponse, body: string, n: number) => void;

/** A status to answer the n-th request with, or undefined to leave it unanswered. */
export const answerWith =
  (status: (n: number) => number | undefined): ReceiverHandler =>
  (_request, response, _body, n) => {
    const code = status(n);
    if (code !== undefined) response.writeHead(code).end();
  };

const servers: Server[] = [];

/** A webhook receiver on 127.0.0.1 (closed after the test file), recording every request it gets. */
export const startReceiver = async (handler: ReceiverHandler): Promise<{ url: string; hits: ReceivedHit[] }> => {
  const hits: ReceivedHit[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const hit: ReceivedHit = { at: Date.now(), status: 0, headers: request.headers, body };
      hits.push(hit);
      response.once('finish', () => (hit.status = response.statusCode));
      handler(request, response, body, hits.length);
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits };
};

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});
