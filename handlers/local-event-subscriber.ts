import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { orderCompletedEventSchema, type OrderCompletedEvent } from '../contracts/order-completed';
import { createLogger } from '../adapters/observability';

/**
 * Local stack only: an OrderCompleted subscriber that appends each event (envelope and detail) as one
 * JSON line to .local/events.jsonl (EVENTS_FILE), so developers and end-to-end tests can see what was
 * published. It parses the event with the published contract through Powertools' parser middleware, as
 * a real subscriber would: a detail that breaks the contract fails the invocation (EventBridge retries,
 * then the rule's dead-letter queue). It uses the extended EventBridgeSchema rather than the
 * EventBridgeEnvelope because it keeps the envelope's id and time; a subscriber that needs only the
 * detail uses `parser({ schema: orderCompletedDetailSchema, envelope: EventBridgeEnvelope })` (docs/events.md).
 */
const logger = createLogger();
const eventsFile = resolve(process.env.EVENTS_FILE ?? '.local/events.jsonl');
let folderReady: Promise<unknown> | undefined;

export const handler = middy<OrderCompletedEvent, void>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .use(parser({ schema: orderCompletedEventSchema }))
  .handler(async (event) => {
    const envelope = {
      id: event.id,
      source: event.source,
      'detail-type': event['detail-type'],
      time: event.time,
      detail: event.detail,
    };
    await (folderReady ??= mkdir(dirname(eventsFile), { recursive: true }));
    // One write per line with O_APPEND: concurrent invocations never interleave within a line.
    await appendFile(eventsFile, `${JSON.stringify(envelope)}\n`, 'utf8');
    logger.info('OrderCompleted received', { event_id: event.detail.event_id });
  });
