package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/edgelog/edgelog/internal/buildinfo"
)

func init() {
	register("version", "print the version, commit and build date of this binary", runVersion)
}

func runVersion(ctx context.Context, args []string) error {
	fs := newFlags("version", "[--json]", `Prints the version this binary was built as (set by make build / make package
with -ldflags -X; "dev" for a plain go build), its commit and build date.
'edgelog --version' prints the same line.`)
	asJSON := fs.Bool("json", false, "print JSON: version, commit, date, go, os, arch")
	if err := parseFlags(ctx, fs, args); err != nil {
		return err
	}
	i := buildinfo.Get()
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(i)
	}
	fmt.Println(i)
	return nil
}
