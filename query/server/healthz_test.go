package server

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/edgelog/edgelog/query"
)

// TestHealthzBareForStrangers: with ClickHouse unreachable, /healthz on the
// API port answers 503 without saying why to a caller without a token (it
// gave the ClickHouse address away), and with the reason to an admin token.
func TestHealthzBareForStrangers(t *testing.T) {
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{"127.0.0.1:1"}, DialTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s := &Server{Store: &query.Store{Conn: conn, DB: "edgelog"}, Tokens: NewTokens(map[string]Principal{
		"admin-token": {Name: "ops", Role: RoleAdmin}, "acme-token": {Name: "acme", Role: RoleCustomer, Customer: "acme"}})}
	h := s.Handler()
	for token, wantDetail := range map[string]bool{"": false, "acme-token": false, "wrong": false, "admin-token": true} {
		r := httptest.NewRequest("GET", "/healthz", nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		body, _ := io.ReadAll(w.Body)
		if w.Code != 503 {
			t.Fatalf("token %q: %d, want 503", token, w.Code)
		}
		if got := strings.Contains(string(body), "127.0.0.1:1"); got != wantDetail {
			t.Errorf("token %q: body %q; want the address shown %v", token, body, wantDetail)
		}
	}
}
