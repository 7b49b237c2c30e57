package chconn_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/lab/engines/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// TestCompression: with each method a block of 100,000 rows goes to the
// real server and back (18.16 speaks all three), and an unknown method is
// refused.
func TestCompression(t *testing.T) {
	srv := chtest.Server(t)
	ctx := context.Background()
	for _, method := range []string{"auto", "lz4", "zstd", "none"} {
		conn, err := chconn.Open(ctx, chconn.Config{Addr: srv.Addr(), Compression: method})
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		table := "default.chconn_" + method
		if err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (n UInt64, s String) ENGINE = Memory", table)); err != nil {
			t.Fatal(err)
		}
		b, err := conn.PrepareBatch(ctx, "INSERT INTO "+table+" (n, s)")
		if err != nil {
			t.Fatal(err)
		}
		for i := range uint64(100_000) {
			if err := b.Append(i, "row of an edgelog block"); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Send(); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		var n, sum, chars uint64
		if err := conn.QueryRow(ctx, "SELECT count(), sum(n), sum(length(s)) FROM "+table).Scan(&n, &sum, &chars); err != nil || n != 100_000 || sum != 4_999_950_000 || chars != 2_300_000 {
			t.Errorf("%s: count %d sum %d chars %d, %v", method, n, sum, chars, err)
		}
		conn.Close() // #nosec G104 -- a test connection
	}
	if _, err := chconn.Open(ctx, chconn.Config{Addr: srv.Addr(), Compression: "brotli"}); err == nil {
		t.Error("an unknown compression was accepted")
	}
}
