// The page screenshots.sh photographs: the plugin's own editors drawn by
// Grafana's UI components (@grafana/ui, dark theme), as Grafana shows them
// when a data source is configured and a panel query is edited. The
// fragment picks the view: #config or #query.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme } from '@grafana/data';
import { GlobalStyles, ThemeContext } from '@grafana/ui';

import { ConfigEditor } from '../src/ConfigEditor';
import { QueryEditor } from '../src/QueryEditor';

const theme = createTheme({ colors: { mode: 'dark' } });
const view = window.location.hash.slice(1) || 'query';

function Config() {
  const [options, setOptions] = React.useState<any>({
    url: 'http://edgelog-query:8080',
    jsonData: {},
    secureJsonFields: { token: true },
    secureJsonData: {},
  });
  return (
    <>
      <h3>edgelog · Settings</h3>
      <ConfigEditor options={options} onOptionsChange={setOptions} />
    </>
  );
}

function Query() {
  const [query, setQuery] = React.useState<any>({
    refId: 'A',
    queryType: 'perf_series',
    metric: 'ttfb',
    customer: '$customer',
    region: 'eu-west',
    weekBefore: true,
  });
  return (
    <>
      <h3>Query A · edgelog</h3>
      <QueryEditor query={query} onChange={setQuery} onRunQuery={() => {}} datasource={{} as any} />
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <ThemeContext.Provider value={theme}>
    <GlobalStyles />
    <div style={{ padding: 24, background: theme.colors.background.primary, minHeight: '100vh' }}>
      {view === 'config' ? <Config /> : <Query />}
    </div>
  </ThemeContext.Provider>
);
