package nginx

import (
	"bytes"
	"errors"

	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/internal/record"
)

// state carries what a line said about time until every field is read:
// $msec wins over $time_local/$time_iso8601 because it has milliseconds.
type state struct {
	msec, coarse int64
}

func (s *state) finish(r *record.Record) error {
	switch {
	case s.msec != 0:
		r.TimeMs = s.msec
	case s.coarse != 0:
		r.TimeMs = s.coarse
	default:
		return errors.New("no timestamp")
	}
	if r.Status == 0 {
		return errors.New("no status")
	}
	return nil
}

type setter func(r *record.Record, s *state, v []byte) error

func str(f record.Str) setter {
	return func(r *record.Record, _ *state, v []byte) error {
		if len(v) == 1 && v[0] == '-' {
			v = nil
		}
		r.Str[f] = v
		return nil
	}
}

var errStatus = errors.New("status out of range")

// setters maps the nginx variables edgelog stores to the record field they
// fill. Variables not listed are read past and dropped.
var setters = map[string]setter{
	"remote_addr": func(r *record.Record, _ *state, v []byte) (err error) {
		r.ClientIP, err = format.ParseIP(v)
		return err
	},
	"time_local": func(_ *record.Record, s *state, v []byte) (err error) {
		s.coarse, err = format.CommonLogTime(v)
		return err
	},
	"time_iso8601": func(_ *record.Record, s *state, v []byte) (err error) {
		s.coarse, err = format.ISO8601Millis(v)
		return err
	},
	"msec": func(_ *record.Record, s *state, v []byte) (err error) {
		s.msec, err = format.UnixMillis(v)
		return err
	},
	"request":         setRequest,
	"request_method":  str(record.Method),
	"request_uri":     setPath,
	"uri":             setPath,
	"server_protocol": str(record.Protocol),
	"status": func(r *record.Record, _ *state, v []byte) error {
		n, err := format.Uint(v)
		if err != nil {
			return err
		}
		if n < 100 || n > 999 {
			return errStatus
		}
		r.Status = uint16(n)
		return nil
	},
	"body_bytes_sent": setBytesSent,
	"bytes_sent":      setBytesSent,
	"request_length": func(r *record.Record, _ *state, v []byte) (err error) {
		r.BytesReceived, err = format.Uint(v)
		return err
	},
	"request_time": func(r *record.Record, _ *state, v []byte) (err error) {
		r.RequestTimeUs, err = format.SecondsToMicros(v)
		return err
	},
	"upstream_header_time": func(r *record.Record, _ *state, v []byte) (err error) {
		r.TTFBUs, err = format.SecondsToMicros(v)
		return err
	},
	"http_referer":           str(record.Referer),
	"http_user_agent":        str(record.UserAgent),
	"host":                   str(record.Host),
	"http_host":              str(record.Host),
	"server_name":            str(record.Host),
	"scheme":                 str(record.Scheme),
	"upstream_cache_status":  str(record.CacheStatus),
	"sent_http_content_type": str(record.ContentType),
	"edge_pop":               str(record.PoP),
	"edge_region":            str(record.Region),
	"edge_customer":          str(record.Customer),
	"hostname":               str(record.Server),
	"geoip2_country_code":    str(record.Country),
	"geoip_country_code":     str(record.Country),
	"geoip2_asn": func(r *record.Record, _ *state, v []byte) error {
		v = bytes.TrimPrefix(v, []byte("AS"))
		n, err := format.Uint(v)
		if err != nil || n > 1<<32-1 {
			return errors.New("bad ASN")
		}
		r.ASN = uint32(n)
		return nil
	},
}

func setBytesSent(r *record.Record, _ *state, v []byte) (err error) {
	r.BytesSent, err = format.Uint(v)
	return err
}

func setPath(r *record.Record, _ *state, v []byte) error {
	if i := bytes.IndexByte(v, '?'); i >= 0 {
		v = v[:i]
	}
	r.Str[record.Path] = v
	return nil
}

// setRequest splits "$request" ("GET /a?b=c HTTP/1.1") into method, path
// (query string dropped: it is high-cardinality and may carry secrets) and
// protocol. Malformed request lines (scanners send garbage) keep what can be
// read rather than rejecting the line: the request was still served and
// billed.
func setRequest(r *record.Record, _ *state, v []byte) error {
	sp := bytes.IndexByte(v, ' ')
	if sp < 0 {
		if len(v) == 1 && v[0] == '-' {
			return nil
		}
		r.Str[record.Path] = v
		return nil
	}
	r.Str[record.Method] = v[:sp]
	rest := v[sp+1:]
	if sp2 := bytes.LastIndexByte(rest, ' '); sp2 >= 0 && bytes.HasPrefix(rest[sp2+1:], []byte("HTTP/")) {
		r.Str[record.Protocol] = rest[sp2+1:]
		rest = rest[:sp2]
	}
	return setPath(r, nil, rest)
}
