// The "Docker security fleet" dashboard: many hosts at a glance, built like the host dashboard with
// @grafana/grafana-foundation-sdk. grafana/build.ts writes it to grafana/dashboards/dockersec-fleet.json;
// a test fails when that file is stale. Every host links to the host dashboard with its instance chosen.
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  AdHocVariableBuilder,
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  type Dashboard as DashboardModel,
  DatasourceVariableBuilder,
  type DynamicConfigValue,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { defaultConfig } from '../../alerts/src/config.js';
import {
  columns,
  complianceStat,
  DASHBOARD_UID,
  DS,
  hostsReportingStat,
  jobVariable,
  organize,
  query,
  runbookLink,
  tableQuery,
  thresholds,
  valueText,
} from './dashboard.js';
import { fleetQueriesFor } from './fleetQueries.js';
import { splitSelector } from './queries.js';

export const FLEET_DASHBOARD_UID = 'dockersec-fleet';

export interface FleetDashboardOptions {
  readonly runbookBaseUrl: string;
  /** The bundle's target selector (alerts/src/config.ts); the shipped `job="dockersec"` when left out. */
  readonly selector?: string;
}

/**
 * A column link to the host dashboard for the row's instance and job, keeping the time range. Grafana
 * resolves `${__value.raw}` and `${__data.fields.job}` per cell.
 */
export const hostDashboardLink: DynamicConfigValue = {
  id: 'links',
  value: [
    {
      title: 'Open the host dashboard',
      url: `/d/${DASHBOARD_UID}?var-job=\${__data.fields.job}&var-instance=\${__value.raw}&\${__url_time_range}`,
    },
  ],
};

/** Same, for tables without a job column: the dashboard's own job selection goes along. */
const hostLinkKeepJob: DynamicConfigValue = {
  id: 'links',
  value: [
    {
      title: 'Open the host dashboard',
      url: `/d/${DASHBOARD_UID}?\${job:queryparam}&var-instance=\${__value.raw}&\${__url_time_range}`,
    },
  ],
};

const failCell: DynamicConfigValue[] = [
  {
    id: 'mappings',
    value: [valueText({ '0': { text: 'pass', color: 'green' }, '1': { text: 'FAIL', color: 'red' } })],
  },
  { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorBackground } },
];

export function buildFleetDashboard(options: FleetDashboardOptions): DashboardModel {
  const selector = options.selector ?? defaultConfig.selector;
  const q = fleetQueriesFor(selector);
  // The `$job` choices come from the selector's targets only; its other matchers are in every query.
  const { job, fixed } = splitSelector(selector);
  const jobMatchers = [...job, ...fixed];
  const jobChoices = `label_values(dockersec_up${jobMatchers.length > 0 ? `{${jobMatchers.join(', ')}}` : ''}, job)`;
  const runbook = runbookLink(options.runbookBaseUrl);

  const overview = [
    hostsReportingStat(
      'Exporters the fleet scraped successfully, out of all dockersec targets.',
      q.hostsReporting,
      q.hostsTargeted,
    ).span(6),
    complianceStat(
      'Fleet compliance',
      'Passing controls out of those with a verdict, over every host: numerators and denominators summed, never an average of ratios.',
      q.fleetCompliance,
    ).span(6),
    new StatPanel()
      .title('Hosts with failing controls')
      .description('Hosts failing at least one critical control, and at least one control of any severity.')
      .datasource(DS)
      .withTarget(query(q.hostsFailingCritical, 'critical').refId('A'))
      .withTarget(query(q.hostsWithFailures, 'any').refId('B'))
      .textMode(common.BigValueTextMode.ValueAndName)
      .thresholds(thresholds([null, 'green'], [1, 'red']))
      .colorMode(common.BigValueColorMode.Background)
      .graphMode(common.BigValueGraphMode.None)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
      .span(4)
      .height(5),
    new TimeseriesPanel()
      .title('Compliance over time per section')
      .description('Per CIS section: passing controls out of those with a verdict, summed over the fleet.')
      .datasource(DS)
      .withTarget(query(q.sectionCompliance, '{{section}}'))
      .unit('percentunit')
      .min(0)
      .max(1)
      .span(8)
      .height(5),
  ];

  const matrix = columns(
    new TablePanel()
      .title('Failures: host × control')
      .description(
        'One row per host, one column per control that fails somewhere in the fleet. Click a host for its dashboard.',
      )
      .datasource(DS)
      .withTarget(tableQuery(q.failureMatrix))
      .withTransformation({
        id: 'groupingToMatrix',
        options: { columnField: 'control', rowField: 'instance', valueField: 'Value', emptyValue: 'null' },
      })
      .overrideByRegexp('^(?!instance).*', failCell)
      .filterable(true)
      .span(24)
      .height(10),
    { 'instance\\control': ['Host', hostLinkKeepJob] },
  );

  const worst = columns(
    new TablePanel()
      .title('Worst hosts')
      .description(
        'The hosts with the most failing controls, with their compliance. Click a host for its dashboard.',
      )
      .datasource(DS)
      .withTarget(tableQuery(q.worstHosts, 'A'))
      .withTarget(tableQuery(q.worstHostsCompliance, 'B'))
      .withTransformation({ id: 'merge', options: {} })
      .withTransformation(organize(['instance', 'Value #A', 'Value #B', 'job'], ['Time']))
      .sortBy([new common.TableSortByFieldStateBuilder().displayName('Failing controls').desc(true)])
      .span(12)
      .height(9),
    {
      instance: ['Host', hostDashboardLink],
      job: ['Job'],
      'Value #A': ['Failing controls'],
      'Value #B': ['Compliance', { id: 'unit', value: 'percentunit' }, { id: 'decimals', value: 1 }],
    },
  );

  const widest = columns(
    new TablePanel()
      .title('Controls failing on the most hosts')
      .datasource(DS)
      .withTarget(tableQuery(q.widestFailures))
      .withTransformation(organize(['control', 'Value'], ['Time']))
      .sortBy([new common.TableSortByFieldStateBuilder().displayName('Hosts failing').desc(true)])
      .span(12)
      .height(9),
    { control: ['Control', runbook], Value: ['Hosts failing'] },
  );

  const pending = columns(
    new TablePanel()
      .title('Hosts with pending restarts')
      .description(
        'dockerd runs with other settings than its daemon.json, unit or TLS files say until its next restart (control config_drift names them).',
      )
      .datasource(DS)
      .withTarget(tableQuery(q.pendingRestarts))
      .withTransformation(organize(['instance', 'job'], ['Time', 'Value']))
      .span(8)
      .height(8),
    { instance: ['Host', hostDashboardLink], job: ['Job'] },
  );

  const certificates = columns(
    new TablePanel()
      .title('Certificates expiring soonest')
      .description('Daemon TLS certificates across the fleet by validity left; negative means expired.')
      .datasource(DS)
      .withTarget(tableQuery(q.certificatesExpiring))
      .withTransformation(organize(['instance', 'role', 'path', 'Value', 'job'], ['Time', '__name__']))
      .sortBy([new common.TableSortByFieldStateBuilder().displayName('Valid for')])
      .span(16)
      .height(8),
    {
      instance: ['Host', hostDashboardLink],
      role: ['Role'],
      path: ['File'],
      job: ['Job'],
      Value: [
        'Valid for',
        { id: 'unit', value: 'dtdurations' },
        {
          id: 'thresholds',
          value: thresholds([null, 'red'], [7 * 86400, 'orange'], [30 * 86400, 'green']).build(),
        },
        { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorText } },
      ],
    },
  );

  const upDown = valueText({ '0': { text: 'down', color: 'red' }, '1': { text: 'up', color: 'green' } });
  const health = [
    new StateTimelinePanel()
      .title('Exporters up')
      .description('Whether Prometheus could scrape each host’s exporter (up).')
      .datasource(DS)
      .withTarget(query(q.exportersUp, '{{instance}}'))
      .mappings([upDown])
      .showValue(common.VisibilityMode.Never)
      .mergeValues(true)
      .span(12)
      .height(8),
    new StateTimelinePanel()
      .title('Docker API reachable')
      .description('Whether each exporter reached its Docker Engine API (dockersec_up).')
      .datasource(DS)
      .withTarget(query(q.dockerReachable, '{{instance}}'))
      .mappings([upDown])
      .showValue(common.VisibilityMode.Never)
      .mergeValues(true)
      .span(12)
      .height(8),
    new TimeseriesPanel()
      .title('Age of the last evaluation')
      .description(
        'A host whose evaluation keeps ageing has stale verdicts (alert DockerSecEvaluationStale).',
      )
      .datasource(DS)
      .withTarget(query(q.evaluationAge, '{{instance}}'))
      .unit('s')
      .min(0)
      .span(12)
      .height(8),
    new TimeseriesPanel()
      .title('Dropped per-container series')
      .description(
        'Per-container findings left out over --containers.max-series (counts stay exact); raise the cap on the host only if the fleet budget allows.',
      )
      .datasource(DS)
      .withTarget(query(q.droppedSeries, '{{instance}}'))
      .min(0)
      .decimals(0)
      .span(12)
      .height(8),
  ];

  const builder = new DashboardBuilder('Docker security fleet')
    .uid(FLEET_DASHBOARD_UID)
    .description(
      'The fleet of Docker hosts audited by dockersec-exporter: compliance by section, failures per host and control, ' +
        'pending restarts, expiring certificates and exporter health. Each host links to the host dashboard.',
    )
    .tags(['dockersec', 'docker', 'security'])
    .editable()
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .timezone('browser')
    .link(
      new DashboardLinkBuilder('Docker security dashboards')
        .type(DashboardLinkType.Dashboards)
        .tags(['dockersec'])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    )
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(jobVariable(jobChoices))
    // The operator's fleet labels (site, env, team, ...): Grafana adds the chosen ones to every query.
    .withVariable(new AdHocVariableBuilder('filters').label('Filters').datasource(DS))
    .withRow(new RowBuilder('Fleet'));
  for (const p of overview) builder.withPanel(p);
  builder.withRow(new RowBuilder('Failures')).withPanel(matrix).withPanel(worst).withPanel(widest);
  builder.withRow(new RowBuilder('Changes waiting')).withPanel(pending).withPanel(certificates);
  builder.withRow(new RowBuilder('Exporter health'));
  for (const p of health) builder.withPanel(p);
  return builder.build();
}

export function renderFleetDashboard(options: FleetDashboardOptions): string {
  return `${JSON.stringify(buildFleetDashboard(options), null, 2)}\n`;
}
