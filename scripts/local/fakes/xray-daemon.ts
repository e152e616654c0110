import { createSocket, type Socket } from 'node:dgram';

/**
 * Stands in for the X-Ray daemon Lambda runs beside a function with active tracing: a UDP socket that receives the
 * segment documents the X-Ray SDK sends ("{format, version}\n{segment}") and counts them. Nothing is forwarded.
 */
export class FakeXRayDaemon {
  private socket: Socket | undefined;
  /** Datagrams received (one segment or subsegment document each). */
  segments = 0;

  /** host:port, as AWS_XRAY_DAEMON_ADDRESS takes it. */
  get address(): string {
    const address = this.socket?.address();
    if (address === undefined) throw new Error('not started');
    return `127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    const socket = createSocket('udp4');
    socket.on('message', () => {
      this.segments += 1;
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    this.socket = socket;
    return this;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
