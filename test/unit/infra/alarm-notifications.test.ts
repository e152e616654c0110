import { describe, expect, test } from '@jest/globals';

/**
 * infra/alarm-notifications.cjs, the serverless plugin that decides who the alarms notify, on a stand-in for the
 * framework: what it adds to the compiled template, and what it refuses. (test/e2e/deploy-package.test.ts packages
 * the real stages: the e-mail subscription, and prod refusing without a target.)
 */
interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Plugin {
  hooks: Record<string, () => void>;
}
type PluginClass = new (serverless: unknown) => Plugin;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AlarmNotifications = require('../../../infra/alarm-notifications.cjs') as PluginClass;

class FrameworkError extends Error {}

const run = (alarmNotifications: Record<string, unknown>, stage = 'prod') => {
  const resources: Record<string, Resource> = {
    AlarmTopic: { Type: 'AWS::SNS::Topic', Properties: {} },
    SomeAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmActions: [{ Ref: 'AlarmTopic' }] } },
    OtherAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: { AlarmActions: [{ Ref: 'AlarmTopic' }], OKActions: [{ Ref: 'AlarmTopic' }] },
    },
  };
  const plugin = new AlarmNotifications({
    classes: { Error: FrameworkError },
    service: {
      custom: { alarmNotifications },
      provider: { stage, compiledCloudFormationTemplate: { Resources: resources } },
    },
  });
  plugin.hooks['before:package:initialize']?.();
  plugin.hooks['after:aws:package:finalize:mergeCustomProviderResources']?.();
  return resources;
};

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:on-call';

describe('alarm notifications', () => {
  test('a topic ARN: every alarm notifies it too, on ALARM and on OK; no e-mail subscription', () => {
    const resources = run({ email: '', topicArn: TOPIC, required: 'true' });
    expect(resources.SomeAlarm?.Properties).toEqual({
      AlarmActions: [{ Ref: 'AlarmTopic' }, TOPIC],
      OKActions: [TOPIC],
    });
    expect(resources.OtherAlarm?.Properties.OKActions).toEqual([{ Ref: 'AlarmTopic' }, TOPIC]);
    expect(resources.AlarmEmailSubscription).toBeUndefined();
  });

  test('an e-mail: a subscription to the alarm topic, the alarms unchanged', () => {
    const resources = run({ email: 'ops@example.com', topicArn: '', required: true });
    expect(resources.AlarmEmailSubscription).toEqual({
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email', Endpoint: 'ops@example.com' },
    });
    expect(resources.SomeAlarm?.Properties).toEqual({ AlarmActions: [{ Ref: 'AlarmTopic' }] });
  });

  test('a stage that may go without (dev) gets neither', () => {
    const resources = run({ email: '', topicArn: '', required: false }, 'dev');
    expect(Object.keys(resources)).toEqual(['AlarmTopic', 'SomeAlarm', 'OtherAlarm']);
  });

  test.each([
    [{ email: '', topicArn: '', required: true }, /^Stage "prod" needs an alarm notification target: .*alarmEmail/],
    [{ email: 'not-an-address', topicArn: '', required: false }, /alarmEmail "not-an-address" is not an e-mail/],
    [{ email: '', topicArn: 'arn:aws:sqs:us-east-1:123456789012:q', required: false }, /is not an SNS topic ARN/],
  ])('refused: %j', (settings, message) => {
    expect(() => run(settings)).toThrow(FrameworkError);
    expect(() => run(settings)).toThrow(message);
  });
});
