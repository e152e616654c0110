'use strict';
/**
 * serverless.yml `resources: - ${file(./infra/dashboard.cjs)}`: the stage's dashboard, generated at package time by
 * infra/dashboard.ts (TypeScript, loaded with tsx) from the metric catalogue and the stage's params.
 */
const { require: requireTs } = require('tsx/cjs/api');

module.exports = async ({ resolveVariable }) => {
  const { dashboardResource } = requireTs('./dashboard.ts', __filename);
  const completeOrderCap = await resolveVariable('param:completeOrderReservedConcurrency');
  return {
    Resources: {
      Dashboard: dashboardResource({
        service: await resolveVariable('self:service'),
        stage: await resolveVariable('sls:stage'),
        namespace: await resolveVariable('self:provider.environment.POWERTOOLS_METRICS_NAMESPACE'),
        latencyP99AlarmMs: Number(await resolveVariable('param:alarmLatencyP99Ms')),
        completeOrderReservedConcurrency: completeOrderCap === '' ? undefined : Number(completeOrderCap),
        relayReservedConcurrency: Number(await resolveVariable('param:relayReservedConcurrency')),
      }),
    },
  };
};
