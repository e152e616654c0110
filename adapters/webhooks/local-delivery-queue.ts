import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { DeliveryQueue, EndpointDelivery } from '../../domain/webhooks/ports';
import { MAX_ATTEMPTS } from '../../domain/webhooks/retry';

/**
 * The local stage's stand-in for the delivery queue (there is no SQS on `npm start`). It hands the sender handler
 * SQS-shaped records, one message per invocation, and behaves like the deployed queue where it matters: a message
 * the handler reports failed comes back after the delay the handler set with retryLater (else after the queue's
 * visibility timeout), its receive count goes up by one, and past maxReceiveCount it is dead-lettered; the
 * dead-letter queue is a file (.local/webhook-dead-letters.jsonl). `scale` shrinks every delay (tests: 0.0001).
 * Unlike SQS it keeps nothing across a restart of `npm start`, and delivers each message exactly once per attempt.
 */
export const VISIBILITY_TIMEOUT_SECONDS = 180;
export const MAX_RECEIVE_COUNT = MAX_ATTEMPTS + 1;

interface Message {
  id: string;
  body: string;
  receiveCount: number;
  sentAt: number;
}

export class LocalDeliveryQueue implements DeliveryQueue {
  private readonly delays = new Map<string, number>();
  private next = 0;

  constructor(
    private readonly invoke: (records: SQSRecord[]) => Promise<SQSBatchResponse | void>,
    private readonly deadLetterFile: string,
    private readonly scale = 1,
  ) {}

  /** A new message (what the EventBridge rule puts on the queue): its first attempt runs before this returns. */
  async submit(body: string): Promise<void> {
    this.next += 1;
    await this.receive({
      id: `local-${process.pid}-${Date.now()}-${this.next}`,
      body,
      receiveCount: 1,
      sentAt: Date.now(),
    });
  }

  async retryLater(receiptHandle: string, delaySeconds: number): Promise<void> {
    this.delays.set(receiptHandle, delaySeconds);
  }

  async fanOut(deliveries: EndpointDelivery[]): Promise<void> {
    for (const delivery of deliveries) setImmediate(() => void this.submit(JSON.stringify(delivery)));
  }

  async deadLetter(body: string, reason: string): Promise<void> {
    await mkdir(dirname(this.deadLetterFile), { recursive: true });
    let message: unknown = body;
    try {
      message = JSON.parse(body);
    } catch {
      // kept as text
    }
    await appendFile(this.deadLetterFile, `${JSON.stringify({ at: new Date().toISOString(), reason, message })}\n`);
  }

  private async receive(message: Message): Promise<void> {
    if (message.receiveCount > MAX_RECEIVE_COUNT) {
      await this.deadLetter(message.body, `received ${MAX_RECEIVE_COUNT} times (maxReceiveCount)`);
      return;
    }
    const receiptHandle = `${message.id}#${message.receiveCount}`;
    let failed: boolean;
    try {
      const response = await this.invoke([toRecord(message, receiptHandle)]);
      failed = (response?.batchItemFailures ?? []).some((item) => item.itemIdentifier === message.id);
    } catch {
      failed = true; // the invocation failed as a whole: SQS would retry after the visibility timeout
    }
    const delay = this.delays.get(receiptHandle) ?? VISIBILITY_TIMEOUT_SECONDS;
    this.delays.delete(receiptHandle);
    if (!failed) return;
    const timer = setTimeout(
      () => void this.receive({ ...message, receiveCount: message.receiveCount + 1 }),
      delay * 1000 * this.scale,
    );
    timer.unref();
  }
}

const toRecord = (message: Message, receiptHandle: string): SQSRecord => ({
  messageId: message.id,
  receiptHandle,
  body: message.body,
  attributes: {
    ApproximateReceiveCount: String(message.receiveCount),
    SentTimestamp: String(message.sentAt),
    SenderId: 'local',
    ApproximateFirstReceiveTimestamp: String(message.sentAt),
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:local:000000000000:orders-complete-local-webhooks',
  awsRegion: 'local',
});
