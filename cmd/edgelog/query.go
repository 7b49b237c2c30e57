package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/schema"
)

func init() {
	register("query", "serve the traffic, billing and performance HTTP API", runQuery)
}

func runQuery(ctx context.Context, args []string) error {
	fs := newFlags("query", "[flags]", `Serves the JSON API under /api/v1 from the ClickHouse rollups.`)
	var ch chconn.Config
	ch.RegisterFlags(fs)
	listen := fs.String("listen", "127.0.0.1:8080", "HTTP listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !schema.ValidIdent(ch.Database) {
		return fmt.Errorf("invalid database name %q", ch.Database)
	}
	log := newLogger()
	conn, err := chconn.Open(ctx, ch)
	if err != nil {
		return err
	}
	defer conn.Close()
	srv := &query.Server{Store: &query.Store{Conn: conn, DB: ch.Database}, Log: log}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	fmt.Printf("query API listening on http://%s/api/v1\n", ln.Addr())
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
