// The "Docker security" dashboard, built with @grafana/grafana-foundation-sdk. grafana/build.ts writes
// it to grafana/dashboards/dockersec-overview.json; a test fails when that file is stale.
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  type Dashboard as DashboardModel,
  DatasourceVariableBuilder,
  type DataTransformerConfig,
  type DynamicConfigValue,
  MappingType,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type ValueMapping,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { defaultConfig } from '../../alerts/src/config.js';
import { queriesFor, STATUS_CODES, splitSelector } from './queries.js';

export const DASHBOARD_UID = 'dockersec-overview';

/** What the dashboard takes from the exporter's catalog. */
export interface CatalogEntry {
  readonly id: string;
  readonly remediation: string;
}

export interface DashboardOptions {
  readonly runbookBaseUrl: string;
  readonly catalog: readonly CatalogEntry[];
  /** The bundle's target selector (alerts/src/config.ts); the shipped `job="dockersec"` when left out. */
  readonly selector?: string;
}

/** Grafana's `${datasource}` variable, not a template literal. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax
export const DS = { type: 'prometheus', uid: '${datasource}' };

export const SEVERITY_COLORS: Record<string, string> = {
  critical: 'dark-red',
  high: 'red',
  medium: 'orange',
  low: 'yellow',
  info: 'blue',
};

const STATUS_COLORS: Record<keyof typeof STATUS_CODES, string> = {
  pass: 'green',
  fail: 'red',
  error: 'orange',
  waived: 'blue',
  not_applicable: 'gray',
};

export function query(expr: string, legend?: string): DataqueryBuilder {
  const q = new DataqueryBuilder().datasource(DS).expr(expr).refId('A');
  return legend === undefined ? q : q.legendFormat(legend);
}

/** An instant query rendered as a table: one row per series, labels as columns. */
export function tableQuery(expr: string, refId = 'A'): DataqueryBuilder {
  return query(expr).instant().format(PromQueryFormat.Table).refId(refId);
}

export function valueText(map: Record<string, { text: string; color?: string }>): ValueMapping {
  return { type: MappingType.ValueToText, options: map };
}

const onOff = valueText({ '0': { text: 'off', color: 'text' }, '1': { text: 'on', color: 'text' } });

export function thresholds(...steps: [number | null, string][]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));
}

/**
 * Orders table columns and hides the ones listed. Titles are set per column with a displayName
 * override rather than renamed here: overrides match a field by its display name, and a rename
 * would change that name under them.
 */
/** The job picker both dashboards open with: every job the query finds, several at once, all by default. */
export function jobVariable(jobChoices: string): QueryVariableBuilder {
  return new QueryVariableBuilder('job')
    .label('Job')
    .datasource(DS)
    .query(jobChoices)
    .definition(jobChoices)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.+');
}

/** Exporters scraped out of exporters targeted, as two numbers side by side (host and fleet dashboards). */
export function hostsReportingStat(description: string, reporting: string, targeted: string): StatPanel {
  return new StatPanel()
    .title('Hosts reporting')
    .description(description)
    .datasource(DS)
    .withTarget(query(reporting, 'reporting').refId('A'))
    .withTarget(query(targeted, 'targets').refId('B'))
    .colorMode(common.BigValueColorMode.None)
    .textMode(common.BigValueTextMode.ValueAndName)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .height(5);
}

/** One fixed colour per series name, for stat panels of a state set. */
function fixedColours(byName: readonly (readonly [string, string])[]) {
  return byName.map(([name, color]) => ({
    matcher: { id: 'byName', options: name },
    properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }],
  }));
}

/** The share of passing controls as one number: red under 80 %, green from 95 % (host and fleet dashboards). */
export function complianceStat(title: string, description: string, expr: string): StatPanel {
  return new StatPanel()
    .title(title)
    .description(description)
    .datasource(DS)
    .withTarget(query(expr))
    .unit('percentunit')
    .decimals(1)
    .min(0)
    .max(1)
    .thresholds(thresholds([null, 'red'], [0.8, 'orange'], [0.95, 'green']))
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .height(5);
}

export function organize(order: readonly string[], hidden: readonly string[]): DataTransformerConfig {
  return {
    id: 'organize',
    options: {
      excludeByName: Object.fromEntries(hidden.map((c) => [c, true])),
      indexByName: Object.fromEntries(order.map((c, i) => [c, i])),
      renameByName: {},
    },
  };
}

/** Field overrides for table columns: a title for each, plus any extra properties. */
export function columns<P extends { overrideByName(name: string, properties: DynamicConfigValue[]): P }>(
  panel: P,
  spec: Record<string, [title: string, ...extra: DynamicConfigValue[]]>,
): P {
  for (const [field, [title, ...extra]] of Object.entries(spec)) {
    panel.overrideByName(field, [{ id: 'displayName', value: title }, ...extra]);
  }
  return panel;
}

export const severityColumn: DynamicConfigValue[] = [
  {
    id: 'mappings',
    value: [
      valueText(
        Object.fromEntries(Object.entries(SEVERITY_COLORS).map(([s, color]) => [s, { text: s, color }])),
      ),
    ],
  },
  { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorBackground } },
];

export function runbookLink(runbookBaseUrl: string): DynamicConfigValue {
  return {
    id: 'links',
    value: [
      {
        title: 'Runbook',
        url: `${runbookBaseUrl.replace(/\/+$/, '')}/\${__value.raw}.md`,
        targetBlank: true,
      },
    ],
  };
}

export function buildDashboard(options: DashboardOptions): DashboardModel {
  const selector = options.selector ?? defaultConfig.selector;
  const queries = queriesFor(selector);
  // The `$job` choices come from the selector's targets only; its other matchers are in every query.
  const { job, fixed } = splitSelector(selector);
  const jobChoices = `label_values(dockersec_up${[...job, ...fixed].length > 0 ? `{${[...job, ...fixed].join(', ')}}` : ''}, job)`;
  const instanceChoices = `label_values(dockersec_up{${['job=~"$job"', ...fixed].join(', ')}}, instance)`;
  const remediation = valueText(
    Object.fromEntries(options.catalog.map((c) => [c.id, { text: c.remediation }])),
  );

  const overview = [
    new StatPanel()
      .title('Failing controls by severity')
      .description('Controls whose status is fail, by the severity the catalog gives them.')
      .datasource(DS)
      .withTarget(query(queries.failingBySeverity('critical'), 'critical').refId('A'))
      .withTarget(query(queries.failingBySeverity('high'), 'high').refId('B'))
      .withTarget(query(queries.failingBySeverity('medium'), 'medium').refId('C'))
      .withTarget(query(queries.failingBySeverity('low'), 'low').refId('D'))
      .thresholds(thresholds([null, 'green'], [1, 'red']))
      .colorMode(common.BigValueColorMode.Background)
      .graphMode(common.BigValueGraphMode.None)
      .textMode(common.BigValueTextMode.ValueAndName)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
      .span(8)
      .height(5),
    complianceStat(
      'Compliance ratio',
      'Passing controls out of those with a verdict (pass or fail); waived, not applicable and error are left out.',
      queries.complianceRatio,
    ).span(4),
    hostsReportingStat(
      'Exporters Prometheus scraped successfully, out of all dockersec targets.',
      queries.hostsReporting,
      queries.hostsTargeted,
    ).span(4),
    new StatPanel()
      .title('Docker reachable')
      .description(
        'Whether each exporter reached the Docker Engine API at its last evaluation (dockersec_up).',
      )
      .datasource(DS)
      .withTarget(query(queries.dockerReachable, '{{instance}}'))
      .mappings([
        valueText({ '0': { text: 'unreachable', color: 'red' }, '1': { text: 'reachable', color: 'green' } }),
      ])
      .colorMode(common.BigValueColorMode.Background)
      .graphMode(common.BigValueGraphMode.None)
      .textMode(common.BigValueTextMode.ValueAndName)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
      .span(8)
      .height(5),
  ];

  const runbook = runbookLink(options.runbookBaseUrl);
  const failingControls = columns(
    new TablePanel()
      .title('Failing controls')
      .description(
        'Every failing control with its CIS Docker Benchmark id, severity and remediation. Click a control for its runbook.',
      )
      .datasource(DS)
      .withTarget(tableQuery(queries.failingControls))
      .withTransformation(
        organize(
          ['instance', 'control', 'cis', 'control_severity', 'title', 'remediation', 'section'],
          ['Time', 'Value', '__name__', 'job', 'status'],
        ),
      )
      .sortBy([new common.TableSortByFieldStateBuilder().displayName('Severity')])
      .filterable(true)
      .span(24)
      .height(10),
    {
      instance: ['Instance'],
      control: ['Control', runbook],
      cis: ['CIS', { id: 'custom.width', value: 70 }],
      control_severity: ['Severity', ...severityColumn],
      title: ['Title'],
      remediation: ['Remediation', { id: 'mappings', value: [remediation] }, runbook],
      section: ['Section'],
    },
  );

  const controlsByStatus = new StatPanel()
    .title('Controls by status')
    .description(
      'Controls (per instance) by status. Waived controls are accepted exceptions: neither passing nor failing, they never alert and the compliance ratio leaves them out.',
    )
    .datasource(DS)
    .withTarget(query(queries.controlsWithStatus('fail'), 'fail').refId('A'))
    .withTarget(query(queries.controlsWithStatus('waived'), 'waived').refId('B'))
    .withTarget(query(queries.controlsWithStatus('pass'), 'pass').refId('C'))
    .withTarget(query(queries.controlsWithStatus('error'), 'error').refId('D'))
    .withTarget(query(queries.controlsWithStatus('not_applicable'), 'not applicable').refId('E'))
    .overrides(
      fixedColours(
        Object.entries(STATUS_COLORS).map(([status, color]) => [
          status === 'not_applicable' ? 'not applicable' : status,
          color,
        ]),
      ),
    )
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.ValueAndName)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .span(8)
    .height(8);

  const waivedControls = columns(
    new TablePanel()
      .title('Waived controls')
      .description(
        'Controls whose every failure is covered by a live waiver: still evaluated, shown apart from passing and failing ones. The waivers table below says who owns each and why.',
      )
      .datasource(DS)
      .withTarget(tableQuery(queries.waivedControls))
      .withTransformation(
        organize(
          ['instance', 'control', 'cis', 'control_severity', 'title', 'section'],
          ['Time', 'Value', '__name__', 'job', 'status'],
        ),
      )
      .filterable(true)
      .span(16)
      .height(8),
    {
      instance: ['Instance'],
      control: ['Control', runbook],
      cis: ['CIS', { id: 'custom.width', value: 70 }],
      control_severity: ['Severity', ...severityColumn],
      title: ['Title'],
      section: ['Section'],
    },
  );

  const waiverStates = new StatPanel()
    .title('Waivers by state')
    .description(
      "Waivers of the exporters' --waivers.file: active, expiring soon (--waivers.expiry-warning, 14 days by default), expired (no longer applied) and unused (matching nothing that fails).",
    )
    .datasource(DS)
    .withTarget(query(queries.waiversInState('active'), 'active').refId('A'))
    .withTarget(query(queries.waiversInState('expiring'), 'expiring').refId('B'))
    .withTarget(query(queries.waiversInState('expired'), 'expired').refId('C'))
    .withTarget(query(queries.waiversInState('unused'), 'unused').refId('D'))
    .overrides(
      fixedColours([
        ['active', 'blue'],
        ['expiring', 'orange'],
        ['expired', 'red'],
        ['unused', 'yellow'],
      ]),
    )
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.ValueAndName)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .span(8)
    .height(8);

  const waiverTable = columns(
    new TablePanel()
      .title('Waiver owners, reasons and expiry')
      .description(
        'Every waiver per instance and control: its owner, ticket and reason, when it expires and how long is left (red once expired: the control is judged again).',
      )
      .datasource(DS)
      .withTarget(tableQuery(queries.waiverInfo, 'A'))
      .withTarget(tableQuery(queries.waiverExpiry, 'B'))
      .withTarget(tableQuery(queries.waiverTimeLeft, 'C'))
      .withTransformation({ id: 'merge', options: {} })
      .withTransformation(
        organize(
          ['instance', 'control', 'owner', 'ticket', 'reason', 'Value #B', 'Value #C'],
          ['Time', 'Value #A', '__name__', 'job'],
        ),
      )
      .sortBy([new common.TableSortByFieldStateBuilder().displayName('Time left')])
      .filterable(true)
      .span(16)
      .height(8),
    {
      instance: ['Instance'],
      control: ['Control', runbook],
      owner: ['Owner'],
      ticket: ['Ticket'],
      reason: ['Reason'],
      'Value #B': ['Expires', { id: 'unit', value: 'dateTimeAsIso' }, { id: 'custom.width', value: 170 }],
      'Value #C': [
        'Time left',
        { id: 'unit', value: 'dtdurations' },
        { id: 'thresholds', value: thresholds([null, 'red'], [0, 'orange'], [14 * 86_400, 'green']).build() },
        { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorText } },
        { id: 'custom.width', value: 150 },
      ],
    },
  );

  const statusTimeline = new StateTimelinePanel()
    .title('Control status over time')
    .description('The status of every control per instance.')
    .datasource(DS)
    .withTarget(query(queries.controlStatusCode, '{{instance}} {{control}}'))
    .mappings([
      valueText(
        Object.fromEntries(
          Object.entries(STATUS_CODES).map(([status, code]) => [
            String(code),
            { text: status, color: STATUS_COLORS[status as keyof typeof STATUS_CODES] },
          ]),
        ),
      ),
    ])
    .showValue(common.VisibilityMode.Never)
    .mergeValues(true)
    .rowHeight(0.8)
    .span(24)
    .height(14);

  const containerFindings = columns(
    new TablePanel()
      .title('Per-container findings')
      .description('Running containers that fail a runtime control. Click a control for its runbook.')
      .datasource(DS)
      .withTarget(tableQuery(queries.containerFindings))
      .withTransformation(
        organize(
          ['instance', 'container', 'image', 'control', 'cis', 'control_severity', 'title'],
          ['Time', 'Value', '__name__', 'job'],
        ),
      )
      .filterable(true)
      .span(16)
      .height(9),
    {
      instance: ['Instance'],
      container: ['Container'],
      image: ['Image'],
      control: ['Control', runbook],
      cis: ['CIS', { id: 'custom.width', value: 70 }],
      control_severity: ['Severity', ...severityColumn],
      title: ['Title'],
    },
  );

  const failingContainers = new TimeseriesPanel()
    .title('Failing containers per control')
    .datasource(DS)
    .withTarget(query(queries.failingContainersPerControl, '{{control}}'))
    .min(0)
    .decimals(0)
    .span(8)
    .height(9);

  const daemonOptions = columns(
    new TablePanel()
      .title('Configured vs running daemon options')
      .description(
        'Each security option as daemon.json and the command line configure it, and as the running daemon reports it. ' +
          '"Differs" marks an edit that waits for a restart, or a setting overridden elsewhere.',
      )
      .datasource(DS)
      .withTarget(tableQuery(queries.optionConfigured, 'A'))
      .withTarget(tableQuery(queries.optionRunning, 'B'))
      .withTarget(tableQuery(queries.optionDrift, 'C'))
      .withTransformation({ id: 'merge', options: {} })
      .withTransformation(organize(['instance', 'option', 'Value #A', 'Value #B', 'Value #C'], ['Time']))
      .filterable(true)
      .span(12)
      .height(12),
    {
      instance: ['Instance'],
      option: ['Option'],
      'Value #A': ['Configured', { id: 'mappings', value: [onOff] }],
      'Value #B': ['Running', { id: 'mappings', value: [onOff] }],
      'Value #C': [
        'Differs',
        {
          id: 'mappings',
          value: [
            valueText({ '0': { text: '', color: 'transparent' }, '1': { text: 'differs', color: 'orange' } }),
          ],
        },
        { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorBackground } },
      ],
    },
  );

  const engineColumns: Record<string, [string]> = {
    instance: ['Instance'],
    version: ['Version'],
    api_version: ['API'],
    os: ['OS'],
    arch: ['Arch'],
    kernel_version: ['Kernel'],
    storage_driver: ['Storage driver'],
    logging_driver: ['Logging driver'],
    cgroup_driver: ['Cgroup driver'],
    cgroup_version: ['Cgroup version'],
    rootless: ['Rootless'],
  };
  const engine = columns(
    new TablePanel()
      .title('Docker engine')
      .datasource(DS)
      .withTarget(tableQuery(queries.engineInfo))
      .withTransformation(organize(Object.keys(engineColumns), ['Time', 'Value', '__name__', 'job']))
      .span(12)
      .height(12),
    engineColumns,
  );

  const health = [
    new StateTimelinePanel()
      .title('Exporter sources')
      .description(
        'Whether each source of the exporter (Docker API, daemon.json, /proc, file stats, host) worked.',
      )
      .datasource(DS)
      .withTarget(query(queries.sourceUp, '{{instance}} {{source}}'))
      .mappings([valueText({ '0': { text: 'failing', color: 'red' }, '1': { text: 'up', color: 'green' } })])
      .showValue(common.VisibilityMode.Never)
      .mergeValues(true)
      .span(12)
      .height(8),
    new TimeseriesPanel()
      .title('Age of the last evaluation')
      .datasource(DS)
      .withTarget(query(queries.evaluationAge, '{{instance}}'))
      .unit('s')
      .min(0)
      .span(6)
      .height(8),
    new TimeseriesPanel()
      .title('Evaluation duration')
      .datasource(DS)
      .withTarget(query(queries.evaluationDuration, '{{instance}}'))
      .unit('s')
      .min(0)
      .span(6)
      .height(8),
    new TimeseriesPanel()
      .title('Evaluations')
      .datasource(DS)
      .withTarget(query(queries.evaluationRate, '{{instance}}'))
      .unit('ops')
      .min(0)
      .span(8)
      .height(8),
    new TimeseriesPanel()
      .title('Docker API requests')
      .datasource(DS)
      .withTarget(query(queries.apiRequestRate, '{{instance}} {{endpoint}}'))
      .unit('reqps')
      .min(0)
      .span(8)
      .height(8),
    columns(
      new TablePanel()
        .title('Exporter build')
        .datasource(DS)
        .withTarget(tableQuery(queries.buildInfo))
        .withTransformation(
          organize(
            ['instance', 'version', 'revision', 'nodejs_version'],
            ['Time', 'Value', '__name__', 'job'],
          ),
        )
        .span(8)
        .height(8),
      {
        instance: ['Instance'],
        version: ['Version'],
        revision: ['Revision'],
        nodejs_version: ['Node.js'],
      },
    ),
  ];

  const builder = new DashboardBuilder('Docker security')
    .uid(DASHBOARD_UID)
    .description(
      'CIS Docker Benchmark controls evaluated by dockersec-exporter: findings, trends and exporter health.',
    )
    .tags(['dockersec', 'docker', 'security'])
    .editable()
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .link(
      new DashboardLinkBuilder('Runbooks')
        .type(DashboardLinkType.Link)
        .url(`${options.runbookBaseUrl.replace(/\/+$/, '')}/README.md`)
        .icon('doc')
        .targetBlank(true),
    )
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(jobVariable(jobChoices))
    .withVariable(
      new QueryVariableBuilder('instance')
        .label('Instance')
        .datasource(DS)
        .query(instanceChoices)
        .definition(instanceChoices)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.+'),
    )
    .withRow(new RowBuilder('Overview'));
  for (const p of overview) builder.withPanel(p);
  builder
    .withRow(new RowBuilder('Controls'))
    .withPanel(failingControls)
    .withPanel(controlsByStatus)
    .withPanel(waivedControls)
    .withPanel(statusTimeline);
  builder.withRow(new RowBuilder('Waivers')).withPanel(waiverStates).withPanel(waiverTable);
  builder.withRow(new RowBuilder('Containers')).withPanel(containerFindings).withPanel(failingContainers);
  builder.withRow(new RowBuilder('Daemon')).withPanel(daemonOptions).withPanel(engine);
  builder.withRow(new RowBuilder('Exporter health'));
  for (const p of health) builder.withPanel(p);
  return builder.build();
}

/** The dashboard file as committed: stable key order and a trailing newline. */
export function renderDashboard(options: DashboardOptions): string {
  return `${JSON.stringify(buildDashboard(options), null, 2)}\n`;
}
