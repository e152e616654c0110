import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A metering proxy in front of DynamoDB Local: asks for ReturnConsumedCapacity=TOTAL on every call and records each
 * call's operation and capacity units. The bench's cost figures come from it (never its timings).
 */

const readBody = (message: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });

const listen = (server: Server): Promise<string> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export interface MeteredCall {
  operation: string;
  status: number;
  capacity_units: number;
  read_units: number;
  write_units: number;
}

export interface DynamoDbMeter {
  endpoint: string;
  calls: MeteredCall[];
  stop(): Promise<void>;
}

interface Consumed {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  Table?: { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };
}

const READS = new Set(['Query', 'GetItem', 'Scan', 'BatchGetItem']);

export const startDynamoDbMeter = async (target: string): Promise<DynamoDbMeter> => {
  const calls: MeteredCall[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const payload = Buffer.from(JSON.stringify(input));
      const headers = { ...req.headers, 'content-length': String(payload.length), host: upstream.host };
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (answer) => {
          void readBody(answer).then((responseBody) => {
            let consumed: Consumed | undefined;
            try {
              const parsed = JSON.parse(responseBody.toString('utf8')) as {
                ConsumedCapacity?: Consumed | Consumed[];
                CancellationReasons?: unknown;
              };
              consumed = Array.isArray(parsed.ConsumedCapacity) ? parsed.ConsumedCapacity[0] : parsed.ConsumedCapacity;
            } catch {
              consumed = undefined;
            }
            const units = consumed?.CapacityUnits ?? consumed?.Table?.CapacityUnits ?? 0;
            const isRead = READS.has(operation);
            calls.push({
              operation,
              status: answer.statusCode ?? 0,
              capacity_units: units,
              read_units: consumed?.ReadCapacityUnits ?? (isRead ? units : 0),
              write_units: consumed?.WriteCapacityUnits ?? (isRead ? 0 : units),
            });
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            res.end(responseBody);
          });
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(payload);
    });
  });
  const endpoint = await listen(server);
  return { endpoint, calls, stop: () => close(server) };
};
