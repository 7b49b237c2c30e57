package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/edgelog/edgelog/query/api"
)

// Role is what a token may see.
type Role string

const (
	RoleCustomer Role = "customer" // one customer's traffic, performance and bills
	RoleFinance  Role = "finance"  // every customer's traffic and bills
	RoleEngineer Role = "engineer" // every customer's traffic and performance
	RoleAdmin    Role = "admin"    // everything
)

// Principal is the caller a request's token names.
type Principal struct {
	Name     string
	Role     Role
	Customer string // for RoleCustomer
	// MaxConcurrent, when > 0, replaces the per-token limit of
	// admission for this token (tenant.go): a Grafana data source
	// serving many viewers with one token, say.
	MaxConcurrent int
}

// may reports whether p may use a capability.
func (p Principal) may(c capability) bool {
	switch p.Role {
	case RoleAdmin:
		return true
	case RoleCustomer:
		return true // scoped to its customer by scope()
	case RoleFinance:
		return c == capTraffic || c == capBilling
	case RoleEngineer:
		return c == capTraffic || c == capPerf
	}
	return false
}

type capability int

const (
	capTraffic capability = iota
	capPerf
	capBilling
)

// scope returns the customer a query must be restricted to: a customer
// token always gets its own customer, whatever was asked; asking for
// another customer is refused so a client learns its mistake. For the other
// roles it returns the requested customer ("" means all).
func (p Principal) scope(requested string) (string, error) {
	if p.Role != RoleCustomer {
		return requested, nil
	}
	if requested != "" && requested != p.Customer {
		return "", errForbidden
	}
	return p.Customer, nil
}

var errForbidden = errors.New("this token may not read that")

// Tokens maps token digests to principals. The secrets file lists tokens by
// SHA-256 so that the file itself does not hold usable credentials:
//
//	tokens:
//	  - name: acme-portal
//	    role: customer:acme
//	    sha256: 9f86d081884c7d65...   # sha256 of the token
//	  - name: finance
//	    role: finance
//	    token_file: /run/secrets/finance-token   # or the token itself in a file
//	  - name: grafana
//	    role: engineer
//	    sha256: ...
//	    max_concurrent: 6   # its own per-token admission limit (tenant.go)
type Tokens struct {
	byDigest map[[32]byte]Principal
}

type tokenEntry struct {
	Name      string `yaml:"name"`
	Role      string `yaml:"role"`
	SHA256    string `yaml:"sha256"`
	TokenFile string `yaml:"token_file"`
	// MaxConcurrent overrides --per-token-concurrent for this token.
	MaxConcurrent int `yaml:"max_concurrent"`
}

// LoadTokens reads a tokens secrets file.
func LoadTokens(path string) (*Tokens, error) {
	b, err := os.ReadFile(path) // #nosec G304 -- path from the operator's command line
	if err != nil {
		return nil, fmt.Errorf("cannot read tokens: %w", err)
	}
	var f struct {
		Tokens []tokenEntry `yaml:"tokens"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("cannot parse tokens %s: %w%s", path, err, tokensHint(err))
	}
	t := &Tokens{byDigest: map[[32]byte]Principal{}}
	for i, e := range f.Tokens {
		where := fmt.Sprintf("tokens %s entry %d (%s)", path, i+1, e.Name)
		p, err := parseRole(e.Role)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		p.Name = e.Name
		if e.MaxConcurrent < 0 || e.MaxConcurrent > 1000 {
			return nil, fmt.Errorf("%s: max_concurrent must be between 0 (the default) and 1000", where)
		}
		p.MaxConcurrent = e.MaxConcurrent
		var digest [32]byte
		switch {
		case e.SHA256 != "" && e.TokenFile == "":
			d, err := hex.DecodeString(e.SHA256)
			if err != nil || len(d) != 32 {
				return nil, fmt.Errorf("%s: sha256 is not 64 hex digits", where)
			}
			copy(digest[:], d)
			if digest == sha256.Sum256(nil) {
				return nil, fmt.Errorf("%s: sha256 is the digest of the empty token", where)
			}
		case e.TokenFile != "" && e.SHA256 == "":
			b, err := os.ReadFile(e.TokenFile) // #nosec G304 -- path from the operator's tokens file
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			tok, err := fileToken(b)
			if err != nil {
				return nil, fmt.Errorf("%s: token_file %s: %w", where, e.TokenFile, err)
			}
			digest = sha256.Sum256([]byte(tok))
		default:
			return nil, fmt.Errorf("%s: want exactly one of sha256 and token_file", where)
		}
		t.byDigest[digest] = p
	}
	return t, nil
}

// tokensHint is the advice for a tokens file with keys it does not know
// ("" for other errors): a token written inline (token:) is refused with
// how to list it instead, any other key with where the keys are described.
func tokensHint(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return ""
	}
	hint := ""
	for _, e := range te.Errors {
		switch {
		case strings.Contains(e, "field token not found"):
			return "\ntoken: the tokens file holds no tokens: give each token's digest as sha256 " +
				"(printf %s \"$TOKEN\" | sha256sum) or name a file readable only by edgelog that holds it with token_file"
		case strings.Contains(e, " not found in type"):
			hint = "\n(every key is shown, with its meaning, in /etc/edgelog/tokens.yaml as installed, deploy/examples/tokens.yaml in the source)"
		}
	}
	return hint
}

// fileToken is the token a secret file holds: its bytes without one
// trailing line end. A token is at least MinTokenLen visible ASCII
// characters (0x21-0x7E), what an Authorization header carries as sent: an
// empty or blank file (a failed secret mount) or one with spaces or
// control characters in it is refused, not turned into a token some header
// could match once trimmed.
func fileToken(b []byte) (string, error) {
	tok := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if strings.TrimSpace(tok) == "" {
		return "", errors.New("the secret is empty")
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < 0x21 || tok[i] > 0x7e {
			return "", fmt.Errorf("the secret holds a byte 0x%02x at %d: a token is visible ASCII only", tok[i], i)
		}
	}
	if len(tok) < MinTokenLen {
		return "", fmt.Errorf("the secret is %d characters, want at least %d", len(tok), MinTokenLen)
	}
	return tok, nil
}

// MinTokenLen is the shortest token a token_file may hold.
const MinTokenLen = 8

// NewTokens builds Tokens from plain tokens, for tests and the demo.
func NewTokens(m map[string]Principal) *Tokens {
	t := &Tokens{byDigest: map[[32]byte]Principal{}}
	for tok, p := range m {
		t.byDigest[sha256.Sum256([]byte(tok))] = p
	}
	return t
}

func parseRole(s string) (Principal, error) {
	if c, ok := strings.CutPrefix(s, "customer:"); ok {
		if c == "" {
			return Principal{}, errors.New("role customer: needs a customer id")
		}
		return Principal{Role: RoleCustomer, Customer: c}, nil
	}
	switch r := Role(s); r {
	case RoleFinance, RoleEngineer, RoleAdmin:
		return Principal{Role: r}, nil
	}
	return Principal{}, fmt.Errorf("unknown role %q (want customer:<id>, finance, engineer or admin)", s)
}

// lookup returns the principal of a bearer token, compared exactly as sent
// (nothing trimmed). Tokens are compared by their SHA-256 digests: how long
// a lookup takes says nothing about how much of a guessed token was right.
func (t *Tokens) lookup(token string) (Principal, bool) {
	p, ok := t.byDigest[sha256.Sum256([]byte(token))]
	return p, ok
}

type principalKey struct{}

func principalOf(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// authenticate resolves the bearer token. Without a token set every caller
// is admin: that is for a local demo on 127.0.0.1, and the query command
// says so loudly.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := Principal{Name: "anonymous", Role: RoleAdmin}
		if s.Tokens != nil {
			tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok {
				writeJSONStatus(w, http.StatusUnauthorized, api.Error{Error: "missing bearer token"})
				return
			}
			if p, ok = s.Tokens.lookup(tok); !ok || tok == "" {
				writeJSONStatus(w, http.StatusUnauthorized, api.Error{Error: "unknown token"})
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}
