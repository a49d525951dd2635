package installer

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/svcship/svcship/config"
)

// probeTimeout bounds one health probe: connect, request and status line.
const probeTimeout = 5 * time.Second

// probeGet sends one HTTP/1.1 GET to a loopback URL (config.ValidateHealthURL)
// and returns the status code; it follows no redirects. The probe speaks
// the protocol itself instead of using net/http: a health URL is plain http
// on this machine, and net/http with crypto/tls would make up a third of
// the installer's size.
func probeGet(ctx context.Context, raw string) (int, error) {
	if err := config.ValidateHealthURL(raw); err != nil {
		return 0, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", raw, err)
	}
	defer conn.Close()
	// When the context ends (the time limit or the caller), a deadline in
	// the past ends the write or read in progress.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	target := u.RequestURI()
	req := "GET " + target + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: svcship-installer\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	_, err = io.WriteString(conn, req)
	code := 0
	if err == nil {
		code, err = readStatus(bufio.NewReaderSize(io.LimitReader(conn, 64<<10), 4096))
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("no answer in time (the probe waits %s at most)", probeTimeout)
		}
		return 0, fmt.Errorf("GET %s: %w", raw, err)
	}
	return code, nil
}

// readStatus reads an HTTP/1.x status line ("HTTP/1.1 200 OK") and returns
// its code, skipping 1xx interim responses and their headers.
func readStatus(r *bufio.Reader) (int, error) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if err == io.EOF {
				return 0, fmt.Errorf("connection closed before a status line")
			}
			return 0, err
		}
		line = strings.TrimRight(line, "\r\n")
		proto, rest, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(proto, "HTTP/1.") {
			return 0, fmt.Errorf("not an HTTP/1.x status line: %.80q", line)
		}
		codeText, _, _ := strings.Cut(rest, " ")
		code, err := strconv.Atoi(codeText)
		if err != nil || len(codeText) != 3 || code < 100 {
			return 0, fmt.Errorf("not an HTTP status code: %.80q", line)
		}
		if code >= 200 || code == 101 {
			return code, nil
		}
		// 100 Continue and friends: skip their header block.
		for {
			h, err := r.ReadString('\n')
			if err != nil {
				return 0, fmt.Errorf("interim response %d: %w", code, err)
			}
			if strings.TrimRight(h, "\r\n") == "" {
				break
			}
		}
	}
}
