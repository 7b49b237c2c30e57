package plugin

import "testing"

func TestParseLivePath(t *testing.T) {
	f := func(path string, want liveScope, ok bool) {
		t.Helper()
		sc, err := parseLivePath(path)
		if (err == nil) != ok || sc != want {
			t.Errorf("parseLivePath(%q) = %+v, %v; want %+v ok=%v", path, sc, err, want, ok)
		}
		if ok && sc.path() != path {
			t.Errorf("parseLivePath(%q).path() = %q", path, sc.path())
		}
	}
	f("live/fleet", liveScope{}, true)
	f("live/region/eu-west", liveScope{Region: "eu-west"}, true)
	f("live/customer/acme", liveScope{Customer: "acme"}, true)
	f("live/customer/acme/region/eu-west", liveScope{Customer: "acme", Region: "eu-west"}, true)
	f("live/region/", liveScope{}, false)
	f("live/customer/a?b", liveScope{}, false)
	f("live/fleet/x", liveScope{}, false)
	f("fleet", liveScope{}, false)
	f("live/region/"+string(make([]byte, 101)), liveScope{}, false)
}

// FuzzLivePath: a path either is refused or reads back as itself.
func FuzzLivePath(f *testing.F) {
	for _, s := range []string{"live/fleet", "live/region/eu-west", "live/customer/acme/region/x", "live//", "live/customer/%2F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		sc, err := parseLivePath(path)
		if err == nil && sc.path() != path {
			t.Fatalf("%q read as %+v, which is %q", path, sc, sc.path())
		}
	})
}
