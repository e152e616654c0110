import type { CompleteOrderDeps } from '../../../domain/complete-order';
import type { OrderStore } from '../../../domain/ports';
import { RecordingPublisher, RecordingWarnings } from '../../support/fakes';

export { ManualClock, RecordingPublisher, RecordingWarnings, type HeldPublish } from '../../support/fakes';

export const PUBLISH_LEASE_MS = 10_000;
export const PUBLISH_TIMEOUT_MS = 2_000;

export interface TestDeps {
  deps: CompleteOrderDeps;
  publisher: RecordingPublisher;
  warnings: RecordingWarnings;
}

export const makeDeps = (
  store: OrderStore,
  options: { publisher?: RecordingPublisher; now?: () => Date; publishLeaseMs?: number } = {},
): TestDeps => {
  const publisher = options.publisher ?? new RecordingPublisher();
  const warnings = new RecordingWarnings();
  return {
    deps: {
      store,
      publisher,
      warnings,
      now: options.now ?? (() => new Date()),
      publishLeaseMs: options.publishLeaseMs ?? PUBLISH_LEASE_MS,
      publishTimeoutMs: PUBLISH_TIMEOUT_MS,
    },
    publisher,
    warnings,
  };
};
