export {
  ManualClock,
  PUBLISH_LEASE_MS,
  PUBLISH_TIMEOUT_MS,
  RecordingPublisher,
  RecordingWarnings,
  makeDeps,
  type HeldPublish,
  type TestDeps,
} from '../../support/fakes';
