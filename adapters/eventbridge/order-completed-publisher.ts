import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DependencyUnavailable, EventNotPublished } from '../../domain/errors';
import { ORDER_COMPLETED_DETAIL_TYPE, type OrderCompletedDetail } from '../../domain/order-completed-event';
import type { OrderCompletedPublisher } from '../../domain/ports';
import { isDependencyUnavailable } from '../aws-errors';

export interface EventBridgeTarget {
  busName: string;
  source: string;
}

/** One PutEvents entry per completion; success means EventBridge accepted that entry, not just the call. */
export class EventBridgeOrderCompletedPublisher implements OrderCompletedPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly target: EventBridgeTarget,
  ) {}

  async publish(detail: OrderCompletedDetail): Promise<void> {
    let output;
    try {
      output = await this.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.target.busName,
              Source: this.target.source,
              DetailType: ORDER_COMPLETED_DETAIL_TYPE,
              Time: new Date(detail.completed_at),
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
    } catch (error) {
      if (isDependencyUnavailable(error)) throw new DependencyUnavailable('eventbridge', { cause: error });
      throw error;
    }
    const entry = output.Entries?.[0];
    if ((output.FailedEntryCount ?? 0) > 0 || entry === undefined || entry.ErrorCode !== undefined || !entry.EventId) {
      throw new EventNotPublished({
        cause: new Error(
          `PutEvents refused the entry: ${entry?.ErrorCode ?? 'no entry result'} ${entry?.ErrorMessage ?? ''}`.trim(),
        ),
      });
    }
  }
}
