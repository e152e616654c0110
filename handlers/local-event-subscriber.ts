import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { EventBridgeEvent } from 'aws-lambda';
import { parseOrderCompletedDetail, type OrderCompletedDetail } from '../domain/order-completed-event';
import { createLogger } from '../adapters/runtime';

/**
 * Local stack only: an OrderCompleted subscriber that appends each event envelope as one JSON line
 * to .local/events.jsonl (EVENTS_FILE), so developers and end-to-end tests can see what was published.
 * It parses the detail with the published contract, as a real subscriber would.
 */
const logger = createLogger();
const eventsFile = resolve(process.env.EVENTS_FILE ?? '.local/events.jsonl');
let folderReady: Promise<unknown> | undefined;

export const handler = middy<EventBridgeEvent<'OrderCompleted', OrderCompletedDetail>, void>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler(async (event) => {
    const detail = parseOrderCompletedDetail(event.detail);
    const envelope = {
      id: event.id,
      source: event.source,
      'detail-type': event['detail-type'],
      time: event.time,
      detail,
    };
    await (folderReady ??= mkdir(dirname(eventsFile), { recursive: true }));
    // One write per line with O_APPEND: concurrent invocations never interleave within a line.
    await appendFile(eventsFile, `${JSON.stringify(envelope)}\n`, 'utf8');
    logger.info('OrderCompleted received', { event_id: detail.event_id });
  });
