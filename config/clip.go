package config

import (
	"fmt"
	"reflect"
	"unicode/utf8"
)

// clipped formats a value from svcship.yaml for a message: with %q, a value
// longer than clipAbove bytes is quoted by its first clipTo characters and
// followed by its length, so that a huge scalar (a 50 MB file passed as
// --config) gives a one-line error. Other verbs print it whole.
type clipped string

const (
	clipAbove = 200
	clipTo    = 60
)

func (c clipped) Format(f fmt.State, verb rune) {
	s := string(c)
	if verb != 'q' {
		fmt.Fprintf(f, fmt.FormatString(f, verb), s)
		return
	}
	if len(s) <= clipAbove {
		fmt.Fprintf(f, "%q", s)
		return
	}
	cut, n := 0, 0
	for cut < len(s) && n < clipTo {
		_, size := utf8.DecodeRuneInString(s[cut:])
		cut += size
		n++
	}
	fmt.Fprintf(f, "%q... (%d bytes)", s[:cut], len(s))
}

// clipArgs wraps the string arguments of a message so %q clips them.
func clipArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		// Named string types too (StartType, Mode, ...).
		if v := reflect.ValueOf(a); v.IsValid() && v.Kind() == reflect.String {
			if _, ok := a.(fmt.Formatter); !ok {
				a = clipped(v.String())
			}
		}
		out[i] = a
	}
	return out
}
