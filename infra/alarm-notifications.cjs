'use strict';
/**
 * Who is told when an alarm fires (serverless.yml `custom.alarmNotifications`, from the stage's params):
 *   email     an e-mail address subscribed to the alarm topic (AlarmEmailSubscription, only when one is given:
 *             no constant CloudFormation condition, cfn-lint W8003);
 *   topicArn  an existing SNS topic (a pager or chat integration) that every alarm of the stack also notifies,
 *             on ALARM and on OK, alarms added later included;
 *   required  (prod) `serverless package` and `serverless deploy` stop at once, before building anything, with one
 *             line, when neither is given: a forgotten parameter must not leave the alarms notifying nobody.
 */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

class AlarmNotifications {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:initialize': () => this.check(),
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.addTargets(),
    };
  }

  settings() {
    const given = (this.serverless.service.custom ?? {}).alarmNotifications ?? {};
    return {
      email: String(given.email ?? '').trim(),
      topicArn: String(given.topicArn ?? '').trim(),
      required: given.required === true || given.required === 'true',
    };
  }

  fail(message) {
    throw new this.serverless.classes.Error(message);
  }

  check() {
    const { email, topicArn, required } = this.settings();
    const stage = this.serverless.service.provider.stage;
    if (required && email === '' && topicArn === '') {
      this.fail(
        `Stage "${stage}" needs an alarm notification target: add --param="alarmEmail=<address>" or ` +
          `--param="alarmTopicArn=<SNS topic ARN>" (docs/operations.md "Alarm notifications").`,
      );
    }
    if (email !== '' && !EMAIL.test(email)) this.fail(`alarmEmail "${email}" is not an e-mail address.`);
    if (topicArn !== '' && !TOPIC_ARN.test(topicArn)) this.fail(`alarmTopicArn "${topicArn}" is not an SNS topic ARN.`);
  }

  addTargets() {
    this.check();
    const { email, topicArn } = this.settings();
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    if (email !== '') {
      resources.AlarmEmailSubscription = {
        Type: 'AWS::SNS::Subscription',
        Properties: { TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email', Endpoint: email },
      };
    }
    if (topicArn === '') return;
    for (const resource of Object.values(resources)) {
      if (resource.Type !== 'AWS::CloudWatch::Alarm') continue;
      for (const key of ['AlarmActions', 'OKActions']) {
        resource.Properties[key] = [...(resource.Properties[key] ?? []), topicArn];
      }
    }
  }
}

module.exports = AlarmNotifications;
