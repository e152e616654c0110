import type { OrderCompletedDetail } from '../order-completed-event';
import type { WebhookEndpoint } from './endpoints';
import type { DeliveryResult } from './retry';

/** What webhook delivery needs from the outside world (adapters/webhooks implement it; tests swap it). */
export interface WebhookEndpointStore {
  listForAccount(accountId: string): Promise<WebhookEndpoint[]>;
  get(accountId: string, endpointId: string): Promise<WebhookEndpoint | undefined>;
  /** Marks the endpoint disabled (a 410 Gone), so nothing more is sent to it. */
  disable(accountId: string, endpointId: string, reason: string, at: Date): Promise<void>;
}

/**
 * One HTTP POST, with the SSRF checks on every address it connects to, a timeout, no redirects followed and the
 * response body read only up to a small limit. Never throws for a receiver's failure: it classifies it.
 */
export interface WebhookTransport {
  post(url: string, headers: Record<string, string>, body: string): Promise<DeliveryResult>;
}

/** A delivery to one endpoint (what fan-out puts on the queue when an account has several endpoints). */
export interface EndpointDelivery {
  kind: 'endpoint-delivery';
  endpoint_id: string;
  detail: OrderCompletedDetail;
}

export interface DeliveryQueue {
  /** Makes the message visible again after `delaySeconds` (SQS ChangeMessageVisibility): the next attempt. */
  retryLater(receiptHandle: string, delaySeconds: number): Promise<void>;
  /** Sends one delivery per endpoint back to the queue (an account with several endpoints). */
  fanOut(deliveries: EndpointDelivery[]): Promise<void>;
  /** Gives a delivery up: to the dead-letter queue, with the reason. */
  deadLetter(body: string, reason: string): Promise<void>;
}
