import React, { ChangeEvent } from 'react';
import { SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, Select } from '@grafana/ui';

import { RESOURCES, VariableQuery } from './types';

interface Props {
  query: VariableQuery;
  onChange: (query: VariableQuery, definition: string) => void;
}

/** A variable lists customers the token may see, or hosts, regions, PoPs or countries with traffic. */
export function VariableQueryEditor({ query, onChange }: Props) {
  const q: VariableQuery = { resource: query.resource || 'customers', customer: query.customer };
  const emit = (next: VariableQuery) => onChange(next, next.resource + (next.customer ? ` of ${next.customer}` : ''));
  return (
    <InlineFieldRow>
      <InlineField label="List" labelWidth={10}>
        <Select
          width={20}
          options={RESOURCES.map((r) => ({ label: r, value: r }))}
          value={q.resource}
          onChange={(v: SelectableValue<VariableQuery['resource']>) => emit({ ...q, resource: v.value! })}
        />
      </InlineField>
      <InlineField label="Customer" labelWidth={10} tooltip="optional; e.g. $customer">
        <Input width={20} value={q.customer || ''} onChange={(e: ChangeEvent<HTMLInputElement>) => emit({ ...q, customer: e.target.value || undefined })} />
      </InlineField>
    </InlineFieldRow>
  );
}
