import React, { ChangeEvent } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { InlineField, Input, SecretInput } from '@grafana/ui';

import { EdgelogOptions, EdgelogSecureJsonData } from './types';

type Props = DataSourcePluginOptionsEditorProps<EdgelogOptions, EdgelogSecureJsonData>;

/** The query service's URL and the token whose role scopes every query. */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const onURL = (e: ChangeEvent<HTMLInputElement>) => onOptionsChange({ ...options, url: e.target.value });
  const onToken = (e: ChangeEvent<HTMLInputElement>) =>
    onOptionsChange({ ...options, secureJsonData: { ...options.secureJsonData, token: e.target.value } });
  const onResetToken = () =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...options.secureJsonFields, token: false },
      secureJsonData: { ...options.secureJsonData, token: '' },
    });
  return (
    <>
      <InlineField label="Query service URL" labelWidth={22} tooltip="e.g. http://query:8080 (without /api/v1)">
        <Input width={40} value={options.url || ''} placeholder="http://query:8080" onChange={onURL} />
      </InlineField>
      <InlineField
        label="API token"
        labelWidth={22}
        tooltip="A query-service token: its role (customer:<id>, finance, engineer, admin) decides what this data source sees"
      >
        <SecretInput
          width={40}
          isConfigured={Boolean(options.secureJsonFields?.token)}
          value={options.secureJsonData?.token || ''}
          placeholder="token"
          onReset={onResetToken}
          onChange={onToken}
        />
      </InlineField>
    </>
  );
}
