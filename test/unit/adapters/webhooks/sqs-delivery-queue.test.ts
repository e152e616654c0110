import { describe, expect, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SqsDeliveryQueue } from '../../../../adapters/webhooks/sqs-delivery-queue';

/** The SQS calls the sender makes: backoff by visibility, fan-out in batches of 10, dead-letter with a reason. */
describe('SqsDeliveryQueue', () => {
  const sqs = mockClient(SQSClient);
  const queue = new SqsDeliveryQueue(new SQSClient({ region: 'us-east-1' }), 'https://q/main', 'https://q/dlq');

  test('retryLater sets the message visibility to the delay', async () => {
    sqs.reset();
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    await queue.retryLater('rh-1', 480);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toEqual({
      QueueUrl: 'https://q/main',
      ReceiptHandle: 'rh-1',
      VisibilityTimeout: 480,
    });
  });

  test('fanOut: batches of 10; a refused entry fails the call (the message is retried)', async () => {
    sqs.reset();
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const delivery = (n: number) => ({
      kind: 'endpoint-delivery' as const,
      endpoint_id: `ep_${n}`,
      detail: {} as never,
    });
    await queue.fanOut(Array.from({ length: 12 }, (_, n) => delivery(n)));
    expect(sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([10, 2]);
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', SenderFault: false, Code: 'x' }] });
    await expect(queue.fanOut([delivery(1)])).rejects.toThrow(/refused 1 of 1/);
  });

  test('deadLetter sends the body with its reason', async () => {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({});
    await queue.deadLetter('{"kind":"endpoint-delivery"}', 'HTTP 401');
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: 'https://q/dlq',
      MessageBody: '{"kind":"endpoint-delivery"}',
      MessageAttributes: { reason: { DataType: 'String', StringValue: 'HTTP 401' } },
    });
  });
});
