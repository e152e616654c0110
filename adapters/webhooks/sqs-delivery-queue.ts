import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeliveryQueue, EndpointDelivery } from '../../domain/webhooks/ports';

/**
 * The delivery queue on SQS. A retry is the same message made visible again after the backoff delay
 * (ChangeMessageVisibility), so its receive count is the attempt number and its body (the webhook-id) never
 * changes. The dead-letter queue takes what is given up, with the reason as a message attribute.
 */
export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {}

  async retryLater(receiptHandle: string, delaySeconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: delaySeconds,
      }),
    );
  }

  async fanOut(deliveries: EndpointDelivery[]): Promise<void> {
    for (let start = 0; start < deliveries.length; start += 10) {
      const chunk = deliveries.slice(start, start + 10);
      const output = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((delivery, index) => ({ Id: String(index), MessageBody: JSON.stringify(delivery) })),
        }),
      );
      if ((output.Failed ?? []).length > 0) {
        throw new Error(`fan-out: SQS refused ${output.Failed?.length} of ${chunk.length} messages`);
      }
    }
  }

  async deadLetter(body: string, reason: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: body,
        MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
      }),
    );
  }
}

export const createSqsClient = (region: string): SQSClient =>
  new SQSClient({
    region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
  });
