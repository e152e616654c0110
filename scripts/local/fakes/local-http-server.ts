import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fake AWS endpoint's HTTP side: a server on a free loopback port, stopped with its open connections. */
export abstract class LocalHttpServer {
  private server: Server | undefined;

  /** Answers one request (the fake's own protocol). */
  protected abstract receive(request: IncomingMessage, response: ServerResponse): Promise<void>;

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => void this.receive(request, response));
    // SDK clients keep their sockets: do not close them under a long run.
    server.keepAliveTimeout = 60_000;
    this.server = server;
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    this.server = undefined;
  }
}
