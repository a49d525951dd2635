// Package winargs builds Windows command lines: the service ImagePath, the
// Run-key value, a scheduled task's arguments and the MSI custom action's
// arguments all must split back, by CommandLineToArgvW (and the Go
// runtime, which follows it), into exactly the arguments svcship meant.
package winargs

import "strings"

// Join quotes each argument as needed and joins them with spaces.
func Join(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(Quote(a))
	}
	return b.String()
}

// Quote returns a as one command-line argument. Backslashes are literal
// except before a quote, so only those (and a closing quote's) are
// doubled.
func Quote(a string) string {
	if a != "" && !strings.ContainsAny(a, " \t\n\v\"") {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch c {
		case '\\':
			slashes++
			continue
		case '"':
			b.WriteString(strings.Repeat(`\`, 2*slashes+1))
		default:
			b.WriteString(strings.Repeat(`\`, slashes))
		}
		slashes = 0
		b.WriteByte(c)
	}
	// Backslashes before the closing quote are doubled so they stay literal.
	b.WriteString(strings.Repeat(`\`, 2*slashes))
	b.WriteByte('"')
	return b.String()
}

// Split parses a command line the way CommandLineToArgvW does for the
// arguments after the program name (the 2008+ rules: "" inside quotes is a
// literal quote). Tests use it to check Join; svcship reads command lines
// back with it when it compares a service's configured arguments.
func Split(s string) []string {
	var args []string
	var cur strings.Builder
	inQuotes, have := false, false
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			n := 0
			for i < len(s) && s[i] == '\\' {
				n++
				i++
			}
			if i < len(s) && s[i] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteByte('"')
					i++
				}
			} else {
				cur.WriteString(strings.Repeat(`\`, n))
			}
			have = true
		case c == '"':
			if inQuotes && i+1 < len(s) && s[i+1] == '"' {
				cur.WriteByte('"')
				i += 2
			} else {
				inQuotes = !inQuotes
				i++
			}
			have = true
		case (c == ' ' || c == '\t') && !inQuotes:
			if have {
				args = append(args, cur.String())
				cur.Reset()
				have = false
			}
			i++
		default:
			cur.WriteByte(c)
			have = true
			i++
		}
	}
	if have {
		args = append(args, cur.String())
	}
	return args
}
