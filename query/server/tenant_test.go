package server

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

func asToken(name string) context.Context {
	return context.WithValue(context.Background(), principalKey{}, Principal{Name: name, Role: RoleCustomer, Customer: name})
}

// A token computing PerToken requests and holding PerTokenQueue more in
// line gets 429 (errTokenBusy) for the next at once, and its waiting ones
// after MaxWait; another token computes at once all the while.
func TestPerTokenAdmission(t *testing.T) {
	a := NewAdmission(4, 300*time.Millisecond).LimitPerToken(2, 3)
	hold := make(chan struct{})
	var computing sync.WaitGroup
	computing.Add(2)
	errs := make(chan error, 10)
	for i := range 5 { // 2 compute, 3 wait
		go func() {
			_, err := a.do(asToken("noisy"), "noisy "+strconv.Itoa(i), func() (result, error) {
				computing.Done()
				<-hold
				return result{}, nil
			})
			errs <- err
		}()
	}
	computing.Wait()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		g := a.gate(Principal{Name: "noisy"})
		g.mu.Lock()
		w := g.waiting
		g.mu.Unlock()
		if w == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d noisy requests waiting, want 3", w)
		}
	}
	start := time.Now()
	if _, err := a.do(asToken("noisy"), "noisy 6", func() (result, error) { return result{}, nil }); !errors.Is(err, errTokenBusy) {
		t.Fatalf("sixth noisy request: %v, want errTokenBusy", err)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("sixth noisy request refused after %s, want at once (its line is full)", took)
	}
	start = time.Now()
	if _, err := a.do(asToken("quiet"), "quiet", func() (result, error) { return result{value: 1}, nil }); err != nil {
		t.Fatalf("quiet token: %v", err)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("quiet token waited %s behind the noisy one", took)
	}
	// The three waiting noisy requests give up after MaxWait with 429.
	for range 3 {
		if err := <-errs; !errors.Is(err, errTokenBusy) {
			t.Fatalf("waiting noisy request: %v, want errTokenBusy", err)
		}
	}
	close(hold)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("computing noisy request: %v", err)
		}
	}
	if a.InFlight() != 0 {
		t.Fatalf("%d slots still held", a.InFlight())
	}
}

// The open API (no tokens) has no per-token gate.
func TestOpenAPIHasNoTokenGate(t *testing.T) {
	a := NewAdmission(8, 50*time.Millisecond).LimitPerToken(1, 1)
	hold := make(chan struct{})
	var computing sync.WaitGroup
	computing.Add(4)
	for i := range 4 {
		go a.do(context.Background(), "open "+strconv.Itoa(i), func() (result, error) {
			computing.Done()
			<-hold
			return result{}, nil
		})
	}
	computing.Wait() // would hang with a gate of 1
	close(hold)
}

// A token's own max_concurrent replaces the per-token default.
func TestTokenMaxConcurrent(t *testing.T) {
	a := NewAdmission(8, 50*time.Millisecond).LimitPerToken(1, 1)
	ctx := context.WithValue(context.Background(), principalKey{}, Principal{Name: "grafana", Role: RoleEngineer, MaxConcurrent: 4})
	hold := make(chan struct{})
	var computing sync.WaitGroup
	computing.Add(4)
	for i := range 4 {
		go a.do(ctx, "panel "+strconv.Itoa(i), func() (result, error) {
			computing.Done()
			<-hold
			return result{}, nil
		})
	}
	computing.Wait() // would hang with the default of 1
	close(hold)
}

func TestTokensFileMaxConcurrent(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("grafana-Token_1\n"), 0o600)
	path := filepath.Join(dir, "tokens.yaml")
	os.WriteFile(path, []byte("tokens:\n  - name: grafana\n    role: engineer\n    token_file: "+secret+"\n    max_concurrent: 6\n"), 0o600)
	tok, err := LoadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := tok.lookup("grafana-Token_1"); !ok || p.MaxConcurrent != 6 {
		t.Fatalf("grafana: %+v %v, want max_concurrent 6", p, ok)
	}
	os.WriteFile(path, []byte("tokens:\n  - name: grafana\n    role: engineer\n    token_file: "+secret+"\n    max_concurrent: -1\n"), 0o600)
	if _, err := LoadTokens(path); err == nil {
		t.Fatal("a negative max_concurrent was accepted")
	}
}
