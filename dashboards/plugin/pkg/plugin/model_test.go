package plugin

import (
	"strings"
	"testing"
)

func TestParseAndCheckQuery(t *testing.T) {
	f := func(raw string, parseErr, checkErr string) {
		t.Helper()
		for _, c := range []struct {
			name  string
			parse func([]byte) (Query, error)
			want  string
		}{{"ParseQuery", ParseQuery, parseErr}, {"CheckQuery", CheckQuery, checkErr}} {
			_, err := c.parse([]byte(raw))
			switch {
			case c.want == "" && err != nil:
				t.Errorf("%s(%s): %v", c.name, raw, err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("%s(%s): %v, want an error with %q", c.name, raw, err, c.want)
			}
		}
	}
	f(`{"refId":"A","datasource":{"type":"edgelog-edgelog-datasource","uid":"${datasource}"},"queryType":"traffic_breakdown","groupBy":"pop","limit":5}`, "", "")
	f(`{"queryType":"traffic_breakdown","groupby":"pop"}`, "", `unknown field "groupby"`) // a typo: only dashboards are strict
	f(`{"queryType":"traffic_breakdown","groupBy":"path"}`, "groupBy of traffic_breakdown", "groupBy of traffic_breakdown")
	f(`{"queryType":"sql","rawSql":"SELECT 1"}`, `queryType "sql"`, `unknown field "rawSql"`)
	f(`{"queryType":"traffic_series","metric":"requests_per_s","limit":3}`, "does not take limit", "does not take limit")
	f(`{"queryType":"perf_slowest","window":"90s"}`, "window must be whole minutes", "window must be whole minutes")
	f(`{"queryType":"billing_customers","customer":"acme"}`, "takes no customer", "takes no customer")
	f(`{"queryType":"traffic_top","groupBy":"host","limit":1001}`, "limit must be", "limit must be")
	f(`{"queryType":"perf_series","metric":"request_time","region":"eu-west","pop":"fra1","weekBefore":true}`, "", "")
	f(`{"queryType":"perf_breakdown","weekBefore":true}`, "does not take weekBefore", "does not take weekBefore")
	f(`{"queryType":"traffic_series","pop":"fra1"}`, "does not take region or pop", "does not take region or pop")
	f(`{"queryType":"perf_series","metric":"requests_per_s"}`, "metric of perf_series", "metric of perf_series")
	f(`{"queryType":"perf_series","week_before":true}`, "", `unknown field "week_before"`)
	f(`[1]`, "not a JSON object", "not a JSON object")
	// The drill-down's filters and the alerting keys.
	f(`{"queryType":"requests","order":"newest","region":"*","pop":"bom1","status":"5xx","cacheStatus":"hit","asn":0,"minTtfbMs":100}`, "", "")
	f(`{"queryType":"requests","order":"oldest"}`, "order of requests", "order of requests")
	f(`{"queryType":"requests","cacheStatus":"HIT"}`, "cacheStatus must be", "cacheStatus must be")
	f(`{"queryType":"perf_series","host":"a.example"}`, "does not take the drill-down's filters", "does not take the drill-down's filters")
	f(`{"queryType":"perf_breakdown","groupBy":"pop","minRequests":100,"value":"p90_change"}`, "", "")
	f(`{"queryType":"perf_breakdown","value":"pop"}`, "value of perf_breakdown must be one of its numeric fields", "value of perf_breakdown")
	f(`{"queryType":"traffic_series","value":"requests_per_s"}`, "takes no value", "takes no value")
	f(`{"queryType":"traffic_breakdown","minRequests":5}`, "does not take minRequests", "does not take minRequests")
}

func TestValidateFillsDefaults(t *testing.T) {
	q := Query{QueryType: PerfBreakdown}
	if err := q.Validate(); err != nil || q.Metric != "ttfb" || q.GroupBy != "region" {
		t.Errorf("%+v %v", q, err)
	}
	// The API's default latency measure.
	q = Query{QueryType: PerfSeries}
	if err := q.Validate(); err != nil || q.Metric != "ttfb" {
		t.Errorf("%+v %v", q, err)
	}
}
