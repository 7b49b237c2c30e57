package collector

import (
	"fmt"
	"maps"
	"strings"

	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/collector/format/apache"
	"github.com/edgelog/edgelog/collector/format/jsonl"
	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/collector/format/w3c"
)

// Formats are the log families Config.FormatKind names.
var Formats = []string{"nginx", "apache", "w3c", "cloudfront", "jsonl", "caddy"}

// NewParser builds the parser for a log family and its format text:
//
//	nginx       a log_format text, or a whole `log_format name '...';` directive
//	            (default: nginx.Edge, combined plus the CDN fields)
//	apache      a LogFormat string, or a whole `LogFormat "..." nick` line
//	            (default: apache.Combined)
//	w3c         the field names, when the log has no #Fields header yet
//	cloudfront  W3C with CloudFront's standard fields
//	jsonl       key overrides, "field=key,field=key" (default: jsonl.Defaults)
//	caddy       JSON lines of Caddy's access log
func NewParser(kind, text string) (format.Parser, error) {
	text = strings.TrimSpace(text)
	switch kind {
	case "", "nginx":
		if strings.HasPrefix(text, "log_format") {
			_, p, err := nginx.ParseDirective(text)
			return p, err
		}
		if text == "" {
			text = nginx.Edge
		}
		return nginx.Compile(text, nginx.EscapeDefault)
	case "apache":
		if strings.HasPrefix(text, "LogFormat") {
			_, p, err := apache.ParseLogFormat(text)
			return p, err
		}
		if text == "" {
			text = apache.Combined
		}
		return apache.Compile(text)
	case "w3c":
		return w3c.New(strings.Fields(text)...)
	case "cloudfront":
		return w3c.New(w3c.CloudFrontFields...)
	case "jsonl", "caddy":
		fields := maps.Clone(jsonl.Defaults)
		if kind == "caddy" {
			fields = maps.Clone(jsonl.Caddy)
		}
		for _, kv := range strings.Split(text, ",") {
			if kv = strings.TrimSpace(kv); kv == "" {
				continue
			}
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("jsonl mapping %q: want field=key", kv)
			}
			fields[k] = v
		}
		return jsonl.New(fields)
	}
	return nil, fmt.Errorf("unknown log format family %q (known: %s)", kind, strings.Join(Formats, ", "))
}

// formatLabel is the log family of a parser, as the fallback metric's
// format label names it (a CloudFront log is w3c, a Caddy log jsonl).
func formatLabel(p format.Parser) string {
	switch p.(type) {
	case *nginx.Parser:
		return "nginx"
	case *apache.Parser:
		return "apache"
	case *w3c.Parser:
		return "w3c"
	case *jsonl.Parser:
		return "jsonl"
	}
	return "other"
}
