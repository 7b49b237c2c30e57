import { CoreApp, DataQueryRequest, DataSourceInstanceSettings, MetricFindValue, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { EdgelogOptions, EdgelogQuery, VariableQuery, specOf } from './types';

/**
 * The frontend half of the data source: queries go to the Go backend
 * (QueryData), which asks the query service with the data source's token.
 */
export class DataSource extends DataSourceWithBackend<EdgelogQuery, EdgelogOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<EdgelogOptions>) {
    super(instanceSettings);
  }

  getDefaultQuery(_: CoreApp): Partial<EdgelogQuery> {
    return { queryType: 'traffic_series', metric: 'requests_per_s' };
  }

  filterQuery(query: EdgelogQuery): boolean {
    return !query.hide && specOf(query.queryType) !== undefined;
  }

  /** Dashboard variables ($customer, ...) are resolved here, before the backend sees the query. */
  applyTemplateVariables(query: EdgelogQuery, scopedVars: ScopedVars): EdgelogQuery {
    const t = getTemplateSrv();
    const out: EdgelogQuery = { ...query };
    if (query.customer) {
      out.customer = t.replace(query.customer, scopedVars);
    }
    if (query.window) {
      out.window = t.replace(query.window, scopedVars);
    }
    // Place and row filters ($region, $pop, ...); a variable's All is '*'.
    for (const k of ['region', 'pop', 'host', 'server', 'country', 'status', 'cacheStatus', 'pathPrefix'] as const) {
      const v = query[k];
      if (v) {
        out[k] = t.replace(v, scopedVars);
      }
    }
    return out;
  }

  /** Values of a dashboard variable: one of the backend's resources ('customers', 'hosts', 'regions', 'pops', 'countries'). */
  async metricFindQuery(query: VariableQuery, options?: { range?: DataQueryRequest['range'] }): Promise<MetricFindValue[]> {
    const params: Record<string, string> = {};
    if (options?.range) {
      params.from = String(options.range.from.valueOf());
      params.to = String(options.range.to.valueOf());
    }
    if (query.customer) {
      params.customer = getTemplateSrv().replace(query.customer);
    }
    const list: string[] = await this.getResource(query.resource || 'customers', params);
    return list.map((text) => ({ text, value: text }));
  }
}
