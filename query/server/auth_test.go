package server

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmptySecretRefusesToLoad: a token_file that is empty or holds only
// white space (a failed or empty secret mount), or the digest of the empty
// token, refuses to load with an error naming the entry: it became the
// empty token, which a bare "Bearer " then matched.
func TestEmptySecretRefusesToLoad(t *testing.T) {
	dir := t.TempDir()
	emptyDigest := sha256.Sum256(nil)
	for name, secret := range map[string]string{
		"empty": "", "newline": "\n", "spaces": "  \t\n", "no-break space": "\u00a0", "ideographic space": "\u3000\n",
		"inner space": "abc def", "control": "abc\x00def",
	} {
		secretPath := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		os.WriteFile(secretPath, []byte(secret), 0o600)
		path := filepath.Join(dir, "tokens.yaml")
		os.WriteFile(path, []byte("tokens:\n  - name: good\n    role: admin\n    sha256: "+hex.EncodeToString(make([]byte, 32))+
			"\n  - name: acme-portal\n    role: customer:acme\n    token_file: "+secretPath+"\n"), 0o600)
		_, err := LoadTokens(path)
		if err == nil || !strings.Contains(err.Error(), "entry 2 (acme-portal)") {
			t.Errorf("%s secret: err %v, want a refusal naming entry 2 (acme-portal)", name, err)
		}
	}
	path := filepath.Join(dir, "tokens.yaml")
	os.WriteFile(path, []byte("tokens:\n  - name: blank\n    role: finance\n    sha256: "+hex.EncodeToString(emptyDigest[:])+"\n"), 0o600)
	if _, err := LoadTokens(path); err == nil || !strings.Contains(err.Error(), "entry 1 (blank)") {
		t.Errorf("the empty token's digest: err %v, want a refusal naming entry 1 (blank)", err)
	}
	// A secret file's trailing newline is not part of the token.
	secretPath := filepath.Join(dir, "good")
	os.WriteFile(secretPath, []byte("s3cret-Token_1\n"), 0o600)
	os.WriteFile(path, []byte("tokens:\n  - name: fin\n    role: finance\n    token_file: "+secretPath+"\n"), 0o600)
	tok, err := LoadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := tok.lookup("s3cret-Token_1"); !ok || p.Name != "fin" {
		t.Fatalf("the token from a file with a trailing newline: %v %v", p, ok)
	}
}

// TestTokenComparedAsSent: the bearer token is compared exactly as the
// header carries it; the loader and the server trimmed Unicode spaces the
// HTTP header parser keeps.
func TestTokenComparedAsSent(t *testing.T) {
	s := &Server{Tokens: NewTokens(map[string]Principal{"tok": {Name: "acme", Role: RoleCustomer, Customer: "acme"}})}
	h := s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	for header, want := range map[string]int{
		"Bearer tok":       http.StatusNoContent,
		"Bearer tok\u00a0": http.StatusUnauthorized,
		"Bearer \u00a0tok": http.StatusUnauthorized,
		"Bearer tok\u2003": http.StatusUnauthorized,
		"Bearer  tok":      http.StatusUnauthorized,
		"Bearer \u00a0":    http.StatusUnauthorized,
		"Bearer ":          http.StatusUnauthorized,
		"tok":              http.StatusUnauthorized,
	} {
		r := httptest.NewRequest("GET", "/api/v1/customers", nil)
		r.Header.Set("Authorization", header)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Authorization %q: %d, want %d", header, w.Code, want)
		}
	}
}

// A token written inline is refused with what to write instead, another
// unknown key with where the keys are described.
func TestTokensFileHints(t *testing.T) {
	for body, want := range map[string]string{
		"tokens:\n  - name: a\n    role: finance\n    token: s3cret-s3cret-s3cret\n": "give each token's digest as sha256",
		"tokens:\n  - name: a\n    role: finance\n    sha: abc\n":                    "deploy/examples/tokens.yaml",
	} {
		path := filepath.Join(t.TempDir(), "tokens.yaml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadTokens(path)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("LoadTokens(%q): %v, want a hint containing %q and not the secret", body, err, want)
		}
	}
}
