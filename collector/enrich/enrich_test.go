package enrich

import (
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

func TestEnrich(t *testing.T) {
	c := &Config{
		Hosts:  map[string]string{"www.acme.com": "acme", "*.acme-cdn.net": "acme-cdn", "*.img.acme-cdn.net": "acme-img"},
		Pops:   map[string]string{"fra1": "eu-central", "iad1": "us-east"},
		PoP:    "fra1",
		Server: "edge-fra1-07",
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	e := New(c)
	for _, tc := range []struct {
		host, pop, region, customer   string // pop, region, customer as the line gives them
		wantCust, wantPoP, wantRegion string
		unknown                       bool
	}{
		{host: "www.acme.com", wantCust: "acme", wantPoP: "fra1", wantRegion: "eu-central"},
		{host: "WWW.Acme.com", wantCust: "acme", wantPoP: "fra1", wantRegion: "eu-central"},
		{host: "www.acme.com:8443", wantCust: "acme", wantPoP: "fra1", wantRegion: "eu-central"},
		{host: "a.acme-cdn.net", wantCust: "acme-cdn", wantPoP: "fra1", wantRegion: "eu-central"},
		{host: "x.img.acme-cdn.net", wantCust: "acme-img", wantPoP: "fra1", wantRegion: "eu-central"}, // most specific suffix
		{host: "acme-cdn.net", wantCust: DefaultCustomerID, wantPoP: "fra1", wantRegion: "eu-central", unknown: true},
		{host: "", wantCust: DefaultCustomerID, wantPoP: "fra1", wantRegion: "eu-central", unknown: true},
		{host: "www.acme.com", pop: "iad1", wantCust: "acme", wantPoP: "iad1", wantRegion: "us-east"},
		{host: "www.acme.com", pop: "sin9", wantCust: "acme", wantPoP: "sin9", wantRegion: ""},
		{host: "www.acme.com", region: "ap-south", wantCust: "acme", wantPoP: "fra1", wantRegion: "ap-south"},
		{host: "www.other.org", customer: "other", wantCust: "other", wantPoP: "fra1", wantRegion: "eu-central"},
	} {
		var r record.Record
		r.Str[record.Host] = []byte(tc.host)
		r.Str[record.PoP] = []byte(tc.pop)
		r.Str[record.Region] = []byte(tc.region)
		r.Str[record.Customer] = []byte(tc.customer)
		unknown := e.Enrich(&r)
		got := [...]string{string(r.Str[record.Customer]), string(r.Str[record.PoP]), string(r.Str[record.Region]), string(r.Str[record.Server])}
		want := [...]string{tc.wantCust, tc.wantPoP, tc.wantRegion, "edge-fra1-07"}
		if got != want || unknown != tc.unknown {
			t.Errorf("%+v: got %q unknown=%v, want %q unknown=%v", tc, got, unknown, want, tc.unknown)
		}
	}
}
