// Command mkpkg builds edgelog's .deb and .rpm packages (see package
// packaging). `make package` runs it:
//
//	go run ./deploy/packaging/mkpkg --version 1.4.0 --out dist
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/edgelog/edgelog/deploy/packaging"
)

func main() {
	var o packaging.Options
	flag.StringVar(&o.Version, "version", "", "package and binary version, e.g. 1.4.0 (required)")
	flag.StringVar(&o.Commit, "commit", "", "commit the binary reports")
	flag.StringVar(&o.Date, "date", "", "build date the binary reports (RFC 3339)")
	flag.StringVar(&o.OutDir, "out", "dist", "directory for the packages")
	archs := flag.String("arch", strings.Join(packaging.Archs, ","), "Go architectures, comma-separated")
	formats := flag.String("format", strings.Join(packaging.Formats, ","), "package formats, comma-separated (deb, rpm)")
	flag.Parse()
	o.Archs, o.Formats = strings.Split(*archs, ","), strings.Split(*formats, ",")
	paths, err := packaging.Build(context.Background(), o)
	for _, p := range paths {
		fmt.Println(p)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkpkg: %v\n", err)
		os.Exit(1)
	}
}
