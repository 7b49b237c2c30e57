package main

import (
	"context"
	"errors"
)

func runAdversarial(ctx context.Context, dir, bin string, lines int, rate float64, seed uint64) error {
	return errors.New("not yet")
}
