import React, { ChangeEvent, FormEvent } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, InlineSwitch, Input, Select } from '@grafana/ui';

import { DataSource } from './datasource';
import { EdgelogOptions, EdgelogQuery, QUERY_TYPES, specOf } from './types';

type Props = QueryEditorProps<DataSource, EdgelogQuery, EdgelogOptions>;

const options = (values: string[]): Array<SelectableValue<string>> => values.map((v) => ({ label: v, value: v }));

/**
 * Query type, metric, group-by and filters (customer, limit, window, region,
 * PoP, the week before): the
 * choices come from model.json, the backend's own query model, so the
 * editor offers exactly what the backend accepts.
 */
export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const spec = specOf(query.queryType);
  const set = (patch: Partial<EdgelogQuery>) => {
    onChange({ ...query, ...patch });
    onRunQuery();
  };
  const onType = (v: SelectableValue<string>) => {
    const next = specOf(v.value!);
    // Keep only what the new type accepts; take its defaults.
    set({
      queryType: v.value!,
      customer: next?.noCustomer ? undefined : query.customer,
      metric: next?.metrics[0],
      groupBy: next?.groupBys[0],
      limit: next?.limit ? query.limit : undefined,
      window: next?.window ? query.window : undefined,
      region: next?.place ? query.region : undefined,
      pop: next?.place ? query.pop : undefined,
      weekBefore: next?.weekBefore ? query.weekBefore : undefined,
      order: next?.orders.length ? next.orders[0] : undefined,
      minRequests: next?.minRequests ? query.minRequests : undefined,
      value: undefined,
      ...(next?.rowFilters
        ? {}
        : {
            host: undefined,
            server: undefined,
            country: undefined,
            asn: undefined,
            status: undefined,
            cacheStatus: undefined,
            pathPrefix: undefined,
            minRequestTimeMs: undefined,
            minTtfbMs: undefined,
          }),
    });
  };
  return (
    <>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={14} tooltip={spec?.description}>
          <Select
            width={28}
            options={QUERY_TYPES.map((s) => ({ label: s.type, value: s.type, description: s.description }))}
            value={query.queryType}
            onChange={onType}
          />
        </InlineField>
        {spec && spec.metrics.length > 0 && (
          <InlineField label="Metric" labelWidth={10}>
            <Select width={22} options={options(spec.metrics)} value={query.metric || spec.metrics[0]} onChange={(v) => set({ metric: v.value })} />
          </InlineField>
        )}
        {spec && spec.orders.length > 0 && (
          <InlineField label="Order" labelWidth={10}>
            <Select width={16} options={options(spec.orders)} value={query.order || spec.orders[0]} onChange={(v) => set({ order: v.value })} />
          </InlineField>
        )}
        {spec && spec.groupBys.length > 0 && (
          <InlineField label="Group by" labelWidth={10}>
            <Select width={20} options={options(spec.groupBys)} value={query.groupBy || spec.groupBys[0]} onChange={(v) => set({ groupBy: v.value })} />
          </InlineField>
        )}
      </InlineFieldRow>
      <InlineFieldRow>
        {!spec?.noCustomer && (
          <InlineField
            label="Customer"
            labelWidth={14}
            tooltip={spec?.customerRequired ? 'required (a customer token uses its own)' : 'empty: every customer the token may see'}
          >
            <Input
              width={28}
              value={query.customer || ''}
              placeholder="$customer"
              onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ ...query, customer: e.target.value || undefined })}
              onBlur={onRunQuery}
            />
          </InlineField>
        )}
        {spec?.limit && (
          <InlineField label="Limit" labelWidth={10}>
            <Input
              width={10}
              type="number"
              value={query.limit ?? ''}
              onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ ...query, limit: e.target.value ? Number(e.target.value) : undefined })}
              onBlur={onRunQuery}
            />
          </InlineField>
        )}
        {spec?.window && (
          <InlineField label="Window" labelWidth={10} tooltip="recent window, whole minutes (default 15m)">
            <Input
              width={10}
              value={query.window || ''}
              placeholder="15m"
              onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ ...query, window: e.target.value || undefined })}
              onBlur={onRunQuery}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      {(spec?.place || spec?.weekBefore) && (
        <InlineFieldRow>
          {spec?.place && (
            <InlineField label="Region" labelWidth={14} tooltip="empty: every region">
              <Input
                width={16}
                value={query.region || ''}
                placeholder="$region"
                onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ ...query, region: e.target.value || undefined })}
                onBlur={onRunQuery}
              />
            </InlineField>
          )}
          {spec?.place && (
            <InlineField label="PoP" labelWidth={10} tooltip="empty: every PoP (a PoP is kept per minute for 35 days)">
              <Input
                width={12}
                value={query.pop || ''}
                placeholder="$pop"
                onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ ...query, pop: e.target.value || undefined })}
                onBlur={onRunQuery}
              />
            </InlineField>
          )}
          {spec?.weekBefore && (
            <InlineField label="Week before" labelWidth={14} tooltip="add the same range a week earlier, drawn over this one">
              <InlineSwitch
                value={!!query.weekBefore}
                onChange={(e: FormEvent<HTMLInputElement>) => set({ weekBefore: e.currentTarget.checked || undefined })}
              />
            </InlineField>
          )}
        </InlineFieldRow>
      )}
      {spec && !spec.timeSeries && (
        <InlineFieldRow>
          <InlineField
            label="Alert value"
            labelWidth={14}
            tooltip="for alert rules: answer only this numeric field, labelled by the text fields"
          >
            <Select
              width={28}
              isClearable
              options={options(
                Object.entries(spec.fields)
                  .filter(([, t]) => /int|float/.test(t))
                  .map(([name]) => name)
                  .sort()
              )}
              value={query.value}
              onChange={(v) => set({ value: v?.value })}
            />
          </InlineField>
          {spec.minRequests && (
            <InlineField label="Min requests" labelWidth={14} tooltip="leave out places with fewer requests (in either week)">
              <Input
                width={10}
                type="number"
                value={query.minRequests ?? ''}
                onChange={(e: ChangeEvent<HTMLInputElement>) =>
                  onChange({ ...query, minRequests: e.target.value ? Number(e.target.value) : undefined })
                }
                onBlur={onRunQuery}
              />
            </InlineField>
          )}
        </InlineFieldRow>
      )}
      {spec?.rowFilters && (
        <InlineFieldRow>
          {(['host', 'server', 'country', 'status', 'pathPrefix'] as const).map((k) => (
            <InlineField key={k} label={k} labelWidth={10} tooltip={k === 'status' ? 'a code (503) or a class (5xx)' : 'empty: any'}>
              <Input
                width={16}
                value={query[k] || ''}
                onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ ...query, [k]: e.target.value || undefined })}
                onBlur={onRunQuery}
              />
            </InlineField>
          ))}
          <InlineField label="Cache" labelWidth={10} tooltip="cache outcome: hit, miss or other">
            <Select
              width={12}
              isClearable
              options={options(['hit', 'miss', 'other'])}
              value={query.cacheStatus}
              onChange={(v) => set({ cacheStatus: v?.value })}
            />
          </InlineField>
          <InlineField label="ASN" labelWidth={8}>
            <Input
              width={12}
              type="number"
              value={query.asn ?? ''}
              onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ ...query, asn: e.target.value ? Number(e.target.value) : undefined })}
              onBlur={onRunQuery}
            />
          </InlineField>
          <InlineField label="Min request time (ms)" labelWidth={22}>
            <Input
              width={10}
              type="number"
              value={query.minRequestTimeMs ?? ''}
              onChange={(e: ChangeEvent<HTMLInputElement>) =>
                onChange({ ...query, minRequestTimeMs: e.target.value ? Number(e.target.value) : undefined })
              }
              onBlur={onRunQuery}
            />
          </InlineField>
          <InlineField label="Min TTFB (ms)" labelWidth={16}>
            <Input
              width={10}
              type="number"
              value={query.minTtfbMs ?? ''}
              onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ ...query, minTtfbMs: e.target.value ? Number(e.target.value) : undefined })}
              onBlur={onRunQuery}
            />
          </InlineField>
        </InlineFieldRow>
      )}
    </>
  );
}
