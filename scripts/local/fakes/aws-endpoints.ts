import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpServer } from './local-http-server';
import { randomUUID } from 'node:crypto';

/**
 * Controllable stand-ins for AWS JSON-protocol endpoints (EventBridge) and a fault-injecting
 * proxy in front of DynamoDB Local, for fault tests. They speak the wire protocol the SDK speaks (POST /,
 * X-Amz-Target, application/x-amz-json-1.x), so the service's real adapters and SDK clients are what is tested.
 */

/** What an endpoint does with one call. */
export type Fault =
  /** Answer normally (or forward, for the DynamoDB proxy). */
  | 'none'
  /** HTTP 500 InternalFailure: a server fault the SDK retries, then reports. */
  | 'error500'
  /** HTTP 400 with a throttling error the SDK retries, then reports. */
  | 'throttle'
  /** HTTP 400 ValidationException: refused for good. */
  | 'refuse400'
  /** Accept the connection, read the request, never answer. */
  | 'hang'
  /** DynamoDB proxy only: forward the call (it takes effect), then never answer. */
  | 'forward-then-hang'
  /** DynamoDB proxy only: forward the call (it takes effect), answer `lateMs` later (past the caller's budget). */
  | 'forward-then-answer-late';

interface Call {
  target: string;
  body: Record<string, unknown>;
}

const errorBody = (type: string, message: string) => JSON.stringify({ __type: type, message });

abstract class FakeEndpoint extends LocalHttpServer {
  /** Every call received, in order. */
  readonly calls: Call[] = [];
  fault: Fault = 'none';
  protected abstract readonly contentType: string;
  protected abstract readonly throttlingError: string;

  protected async receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const target = String(request.headers['x-amz-target'] ?? '');
    const body = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
    this.calls.push({ target, body });
    const fault = this.faultFor(target, body);
    if (fault === 'hang') return; // the socket stays open, unanswered
    if (fault === 'error500') return this.send(response, 500, errorBody('InternalFailure', 'injected fault'));
    if (fault === 'throttle') return this.send(response, 400, errorBody(this.throttlingError, 'injected throttle'));
    if (fault === 'refuse400') return this.send(response, 400, errorBody('ValidationException', 'injected refusal'));
    await this.answer(request, response, target, body, raw, fault);
  }

  protected faultFor(_target: string, _body: Record<string, unknown>): Fault {
    return this.fault;
  }

  protected send(response: ServerResponse, status: number, body: string): void {
    response.writeHead(status, { 'content-type': this.contentType, 'x-amzn-requestid': randomUUID() });
    response.end(body);
  }

  protected abstract answer(
    request: IncomingMessage,
    response: ServerResponse,
    target: string,
    body: Record<string, unknown>,
    raw: Buffer,
    fault: Fault,
  ): Promise<void>;
}

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: number | string;
}

/**
 * A local EventBridge: PutEvents (AWSEvents.PutEvents). It accepts, fails whole calls (see Fault), or fails
 * chosen entries (FailedEntryCount > 0, ErrorCode per entry). Accepted entries are recorded in `delivered`.
 */
export class FakeEventBridge extends FakeEndpoint {
  protected readonly contentType = 'application/x-amz-json-1.1';
  protected readonly throttlingError = 'ThrottlingException';
  /** Details of the entries it accepted, in order. */
  readonly delivered: Record<string, unknown>[] = [];
  /** Entry counts of each PutEvents call. */
  readonly callSizes: number[] = [];
  /** Refuse an entry (ErrorCode InternalFailure) when this says so. */
  failEntry: ((detail: Record<string, unknown>) => boolean) | undefined;

  protected async answer(
    _request: IncomingMessage,
    response: ServerResponse,
    target: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    if (target !== 'AWSEvents.PutEvents') return this.send(response, 400, errorBody('UnknownOperation', target));
    const entries = (body.Entries ?? []) as PutEventsEntry[];
    this.callSizes.push(entries.length);
    let failed = 0;
    const results = entries.map((entry) => {
      const detail = JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>;
      if (this.failEntry?.(detail) === true) {
        failed += 1;
        return { ErrorCode: 'InternalFailure', ErrorMessage: 'injected entry failure' };
      }
      this.delivered.push(detail);
      return { EventId: randomUUID() };
    });
    this.send(response, 200, JSON.stringify({ FailedEntryCount: failed, Entries: results }));
  }

  /** Back to accepting everything, with nothing recorded. */
  reset(): void {
    this.fault = 'none';
    this.failEntry = undefined;
    this.delivered.length = 0;
    this.callSizes.length = 0;
    this.calls.length = 0;
  }

  /** Entries received in all PutEvents calls (accepted or not). */
  entryCount(): number {
    return this.callSizes.reduce((sum, size) => sum + size, 0);
  }

  /** How many accepted entries carried each event_id. */
  deliveriesById(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const detail of this.delivered) {
      const id = String(detail.event_id);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }
}

/**
 * A proxy in front of DynamoDB Local: forwards every call, except the operations given a fault
 * (`faults.UpdateItem = 'throttle'`), so what did or did not get written is checked on the real table.
 */
export class FaultyDynamoDbProxy extends FakeEndpoint {
  protected readonly contentType = 'application/x-amz-json-1.0';
  protected readonly throttlingError = 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException';
  /** Per operation (Query, UpdateItem, ...); unset operations use `fault`. */
  readonly faults: Partial<Record<string, Fault>> = {};
  /** Per operation, for its next call only (then `faults` / `fault` again). */
  readonly faultsOnce: Partial<Record<string, Fault>> = {};
  /** How late 'forward-then-answer-late' answers. */
  lateMs = 2_500;

  constructor(private readonly upstream: string) {
    super();
  }

  protected override faultFor(target: string): Fault {
    const operation = target.replace(/^DynamoDB_\d+\./, '');
    const once = this.faultsOnce[operation];
    if (once !== undefined) {
      delete this.faultsOnce[operation];
      return once;
    }
    return this.faults[operation] ?? this.fault;
  }

  protected async answer(
    request: IncomingMessage,
    response: ServerResponse,
    _target: string,
    _body: Record<string, unknown>,
    raw: Buffer,
    fault: Fault,
  ): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name !== 'host' && name !== 'content-length' && typeof value === 'string') headers[name] = value;
    }
    const upstream = await fetch(this.upstream, { method: 'POST', headers, body: new Uint8Array(raw) });
    const text = await upstream.text();
    if (fault === 'forward-then-hang') return; // it happened; the caller never hears so
    if (fault === 'forward-then-answer-late') {
      await new Promise((resolve) => setTimeout(resolve, this.lateMs));
      if (response.destroyed || request.socket.destroyed) return; // the caller gave up on it meanwhile
    }
    response.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? this.contentType,
      'x-amzn-requestid': upstream.headers.get('x-amzn-requestid') ?? randomUUID(),
    });
    response.end(text);
  }
}
