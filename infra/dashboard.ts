import {
  METRIC_PANELS,
  METRICS,
  type MetricName,
  type MetricPanel,
  type MetricSpec,
} from '../adapters/metrics-catalogue';

/**
 * The stage's CloudWatch dashboard (AWS::CloudWatch::Dashboard), generated at package time by infra/dashboard.js
 * from serverless.yml's params and the metric catalogue (adapters/metrics-catalogue.ts): the service's own panels
 * are one per catalogue panel, holding every catalogued metric, so the dashboard cannot show a metric the code does
 * not define, nor miss one it does. The body is a Fn::Sub string: ${HttpApi}, ${CompleteOrderLambdaFunction}, ...
 * are the stack's own resources, ${AWS::Region} its region. docs/operations.md "Dashboard" explains each widget.
 */
export interface DashboardSettings {
  service: string;
  stage: string;
  /** POWERTOOLS_METRICS_NAMESPACE. */
  namespace: string;
  /** The p99 latency alarm's threshold (param alarmLatencyP99Ms), drawn on the latency widget. */
  latencyP99AlarmMs: number;
  /** Reserved concurrency of completeOrder (none: no cap) and of the relay, drawn on the concurrency widget. */
  completeOrderReservedConcurrency: number | undefined;
  relayReservedConcurrency: number;
}

/** A CloudWatch metric line: namespace, name, dimension name/value pairs, then its options. */
type MetricLine = (string | Record<string, unknown>)[];
export interface Widget {
  type: 'metric' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

/** The stack's functions, by serverless.yml key and CloudFormation logical id. */
const FUNCTIONS = {
  completeOrder: 'CompleteOrderLambdaFunction',
  relayPendingEvents: 'RelayPendingEventsLambdaFunction',
  getOpenApi: 'GetOpenApiLambdaFunction',
} as const;

const API_DIMENSIONS = ['ApiId', '${HttpApi}', 'Stage', '$default'];
const WIDTH = 6;
const HEIGHT = 6;

const apiMetric = (name: string, options: Record<string, unknown>): MetricLine => [
  'AWS/ApiGateway',
  name,
  ...API_DIMENSIONS,
  options,
];
const lambdaMetrics = (name: string, stat: string): MetricLine[] =>
  Object.entries(FUNCTIONS).map(([key, id]) => ['AWS/Lambda', name, 'FunctionName', `\${${id}}`, { stat, label: key }]);

interface Panel {
  title: string;
  metrics: MetricLine[];
  stat?: string;
  annotations?: { label: string; value: number }[];
}

const apiPanels = (settings: DashboardSettings): Panel[] => [
  { title: 'API requests (per minute)', stat: 'Sum', metrics: [apiMetric('Count', { label: 'requests' })] },
  {
    title: 'API 4xx (per minute)',
    stat: 'Sum',
    metrics: [apiMetric('4xx', { label: '4xx (401, 404, 409, 422, 429 ...)' })],
  },
  {
    title: 'API 5xx (per minute)',
    stat: 'Sum',
    metrics: [apiMetric('5xx', { label: '5xx (ours and API Gateway’s)' })],
  },
  {
    title: 'API latency p50 / p99 (ms)',
    metrics: [
      apiMetric('Latency', { stat: 'p50', label: 'p50' }),
      apiMetric('Latency', { stat: 'p99', label: 'p99' }),
      apiMetric('IntegrationLatency', { stat: 'p99', label: 'integration p99 (Lambda)' }),
    ],
    annotations: [{ label: 'p99 alarm', value: settings.latencyP99AlarmMs }],
  },
];

const lambdaPanels = (settings: DashboardSettings): Panel[] => [
  { title: 'Lambda errors (per minute)', metrics: lambdaMetrics('Errors', 'Sum') },
  { title: 'Lambda throttles (per minute)', metrics: lambdaMetrics('Throttles', 'Sum') },
  {
    title: 'Lambda concurrency (maximum)',
    metrics: lambdaMetrics('ConcurrentExecutions', 'Maximum'),
    annotations: [
      ...(settings.completeOrderReservedConcurrency === undefined
        ? []
        : [{ label: 'completeOrder reserved', value: settings.completeOrderReservedConcurrency }]),
      { label: 'relay reserved', value: settings.relayReservedConcurrency },
    ],
  },
  { title: 'Lambda duration p99 (ms)', metrics: lambdaMetrics('Duration', 'p99') },
];

/** The service's own metrics: one panel per catalogue panel, every catalogued metric on its panel. */
const servicePanels = (settings: DashboardSettings): Panel[] =>
  (Object.keys(METRIC_PANELS) as MetricPanel[]).map((panel) => {
    const { title, stats } = METRIC_PANELS[panel];
    const names = (Object.keys(METRICS) as MetricName[]).filter((name) => METRICS[name].panel === panel);
    return {
      title,
      metrics: names.flatMap((name) =>
        stats.map((stat): MetricLine => {
          const spec: MetricSpec = METRICS[name];
          return [
            settings.namespace,
            name,
            'service',
            settings.service,
            'stage',
            settings.stage,
            {
              stat,
              label: stats.length > 1 ? `${name} ${stat}` : name,
              ...(spec.rightAxis ? { yAxis: 'right' } : {}),
            },
          ];
        }),
      ),
    };
  });

const deadLetterPanels = (): Panel[] => [
  {
    title: 'Relay dead-letter queue: failed passes (messages sent) and depth',
    metrics: [
      [
        'AWS/SQS',
        'NumberOfMessagesSent',
        'QueueName',
        '${RelayDeadLetterQueue.QueueName}',
        { stat: 'Sum', label: 'sent' },
      ],
      [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        '${RelayDeadLetterQueue.QueueName}',
        { stat: 'Maximum', label: 'in the queue' },
      ],
    ],
  },
  {
    title: 'Relay invocations: event age (ms) and events dropped',
    metrics: [
      ['AWS/Lambda', 'AsyncEventAge', 'FunctionName', '${RelayPendingEventsLambdaFunction}', { stat: 'Maximum' }],
      [
        'AWS/Lambda',
        'AsyncEventsDropped',
        'FunctionName',
        '${RelayPendingEventsLambdaFunction}',
        { stat: 'Sum', yAxis: 'right' },
      ],
    ],
  },
];

const metricWidget = (panel: Panel, x: number, y: number): Widget => ({
  type: 'metric',
  x,
  y,
  width: WIDTH,
  height: HEIGHT,
  properties: {
    title: panel.title,
    region: '${AWS::Region}',
    view: 'timeSeries',
    stacked: false,
    period: 60,
    ...(panel.stat === undefined ? {} : { stat: panel.stat }),
    metrics: panel.metrics,
    ...(panel.annotations === undefined || panel.annotations.length === 0
      ? {}
      : { annotations: { horizontal: panel.annotations } }),
  },
});

/** Rows of four: API, Lambda, the service's own metrics, the dead-letter queue; a header with the runbook. */
export const dashboardWidgets = (settings: DashboardSettings): Widget[] => {
  const header: Widget = {
    type: 'text',
    x: 0,
    y: 0,
    width: 24,
    height: 2,
    properties: {
      markdown:
        `## ${settings.service} ${settings.stage}\n` +
        'What each widget means and what to do: docs/operations.md ("Dashboard", and the alarms\' runbooks). ' +
        'Per-request records: the API access log group /aws/http-api/' +
        `${settings.service}-${settings.stage}/access and the functions' log groups (Logs Insights queries there).`,
    },
  };
  // Each group starts a row; a group of more than four panels wraps onto the next row.
  const groups = [apiPanels(settings), lambdaPanels(settings), servicePanels(settings), deadLetterPanels()];
  const rows = groups.flatMap((group) =>
    Array.from({ length: Math.ceil(group.length / 4) }, (_, i) => group.slice(i * 4, i * 4 + 4)),
  );
  const widgets = rows.flatMap((row, r) => row.map((panel, i) => metricWidget(panel, i * WIDTH, 2 + r * HEIGHT)));
  return [header, ...widgets];
};

/** The dashboard resource, its body a Fn::Sub over the stack's own resources. */
export const dashboardResource = (settings: DashboardSettings) => ({
  Type: 'AWS::CloudWatch::Dashboard',
  Properties: {
    DashboardName: `${settings.service}-${settings.stage}`,
    DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets: dashboardWidgets(settings) }) },
  },
});
