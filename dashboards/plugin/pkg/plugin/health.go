package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/edgelog/edgelog/query/api"
)

// CheckHealth reports whether the query service answers (its /healthz,
// which also pings ClickHouse) and whether it accepts the token (a list of
// customers over the last hour, which every role may read).
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	fail := func(format string, a ...any) (*backend.CheckHealthResult, error) {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: fmt.Sprintf(format, a...)}, nil
	}
	if err := d.ping(ctx); err != nil {
		return fail("query service at %s is not healthy: %v", d.API.BaseURL, err)
	}
	to := d.now().UTC().Truncate(time.Minute).Add(time.Minute)
	var res api.Customers
	err := d.API.Get(ctx, "customers", rangeParams(to.Add(-time.Hour), to), &res)
	var ae *APIError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		return fail("the query service rejected the token: %s", ae.Message)
	case err != nil:
		return fail("the query service answered with an error: %v", err)
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk,
		Message: fmt.Sprintf("query service reachable, token accepted; %d customers with traffic in the last hour visible to it", len(res.Customers))}, nil
}

func (d *Datasource) ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(d.API.BaseURL, "/")+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := d.API.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return nil
}
