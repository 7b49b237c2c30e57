package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/edgelog/edgelog/query/api"
)

// Client calls the query service's API with one bearer token.
type Client struct {
	BaseURL string // e.g. http://query:8080, without /api/v1
	Token   string
	HTTP    *http.Client
}

// APIError is an answer of the query service other than 200.
type APIError struct {
	Status  int
	Message string // the API's {"error": ...}, or the body's start
}

func (e *APIError) Error() string {
	return fmt.Sprintf("query service: %s (HTTP %d)", e.Message, e.Status)
}

// maxBody bounds an answer read into memory; the API caps its lists at
// 1000 rows and its series at 11000 points, far below this.
const maxBody = 64 << 20

// Get calls GET /api/v1/<path>?<params> and decodes the JSON answer into
// into. Errors from the API and from reaching it are downstream errors: the
// query service or the request is at fault, not the plugin.
func (c *Client) Get(ctx context.Context, path string, params url.Values, into any) error {
	u := strings.TrimRight(c.BaseURL, "/") + "/api/v1/" + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return backend.DownstreamError(fmt.Errorf("cannot build request to %s: %w", path, err))
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return backend.DownstreamError(fmt.Errorf("cannot reach the query service: %w", err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return backend.DownstreamError(fmt.Errorf("cannot read the query service's answer: %w", err))
	}
	if resp.StatusCode != http.StatusOK {
		e := &APIError{Status: resp.StatusCode}
		var msg api.Error
		if json.Unmarshal(body, &msg) == nil && msg.Error != "" {
			e.Message = msg.Error
		} else {
			e.Message = strings.TrimSpace(string(body[:min(len(body), 200)]))
		}
		return backend.DownstreamError(e)
	}
	if err := json.Unmarshal(body, into); err != nil {
		// The service answered 200 with something this plugin cannot read:
		// the two disagree on the API, which is the plugin's to fix.
		return backend.PluginError(fmt.Errorf("cannot decode %s answer: %w", path, err))
	}
	return nil
}

// statusOf maps an error to the status Grafana shows for a query.
func statusOf(err error) backend.Status {
	if errors.As(err, new(queryError)) {
		return backend.StatusBadRequest
	}
	var e *APIError
	if errors.As(err, &e) {
		switch e.Status {
		case http.StatusBadRequest:
			return backend.StatusBadRequest
		case http.StatusUnauthorized:
			return backend.StatusUnauthorized
		case http.StatusForbidden:
			return backend.StatusForbidden
		case http.StatusNotFound:
			return backend.StatusNotFound
		}
		return backend.StatusBadGateway
	}
	if backend.IsDownstreamError(err) {
		return backend.StatusBadGateway
	}
	return backend.StatusInternal
}
