package main

import (
	"context"
	"fmt"
	"os"

	"github.com/edgelog/edgelog/lab/chaos"
)

// runAdversarial is `edgelog chaos --adversarial`: bad input at scale.
func runAdversarial(ctx context.Context, dir, bin string, lines int, rate float64, seed uint64) error {
	rep, err := chaos.RunAdversarial(ctx, chaos.AdversarialOptions{Dir: dir, Bin: bin, Lines: lines, Rate: rate, Seed: seed, Progress: os.Stdout})
	if err != nil {
		return err
	}
	rep.Print(os.Stdout)
	if err := rep.Err(); err != nil {
		return fmt.Errorf("not exact: %w", err)
	}
	return nil
}
