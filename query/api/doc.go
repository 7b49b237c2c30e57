// Package api holds the query service's HTTP answers: the JSON types every
// endpoint under /api/v1 returns, and openapi.yaml, the document that
// describes them (served at /api/v1/openapi.yaml; a test keeps the two in
// step). The service (query/server) encodes these types and its clients
// (the Grafana plugin, the demo) decode into them, so a field is named in
// one place.
//
// The package imports nothing but the standard library: a client takes the
// types without the ClickHouse driver (a test checks it).
package api

import (
	_ "embed"
)

// OpenAPI is the API's description, served at /api/v1/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Error is the body of every answer other than 200.
type Error struct {
	Error string `json:"error"`
}
