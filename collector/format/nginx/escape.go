package nginx

import "fmt"

// Escape is the escaping mode of a log_format (its escape= parameter).
type Escape int

// Escaping modes, as nginx documents them for log_format.
const (
	// EscapeDefault writes '"', '\' and bytes below 0x20 or above 0x7e as
	// \xHH, and "-" for an empty value.
	EscapeDefault Escape = iota
	// EscapeJSON writes '"' and '\' as \" and \\, control bytes as \n \r
	// \t \b \f or \u00XX, and "" for an empty value. Bytes above 0x7e pass
	// through.
	EscapeJSON
	// EscapeNone writes values as they are.
	EscapeNone
)

// ParseEscape parses the value of escape= ("default", "json", "none"; ""
// is "default").
func ParseEscape(s string) (Escape, error) {
	switch s {
	case "", "default":
		return EscapeDefault, nil
	case "json":
		return EscapeJSON, nil
	case "none":
		return EscapeNone, nil
	}
	return 0, fmt.Errorf("unknown escape mode %q (want default, json or none)", s)
}

// String returns the escape= value of e.
func (e Escape) String() string {
	switch e {
	case EscapeDefault:
		return "default"
	case EscapeJSON:
		return "json"
	case EscapeNone:
		return "none"
	}
	return fmt.Sprintf("Escape(%d)", int(e))
}
