//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/svcship/svcship/internal/fakegithub"
)

// TestMain runs the publish child of TestPublishKilledThenRerun when asked
// to (the test binary is that child), else the tests.
func TestMain(m *testing.M) {
	if os.Getenv("SVCSHIP_PUBLISH_CHILD") == "1" {
		code := runPublish(context.Background(), []string{"--dist", filepath.Join(os.Getenv("SVCSHIP_PUBLISH_DIR"), "dist"), "--concurrency", "1"}, os.Stdout, os.Stderr, os.Getenv, os.Getenv("SVCSHIP_PUBLISH_DIR"))
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestPublishKilledThenRerun kills a real publish process (SIGKILL, no
// cleanup) while its second upload is on the wire, then runs publish
// again: the release ends with every asset exactly once, with the right
// bytes, and was never visible as published while incomplete.
func TestPublishKilledThenRerun(t *testing.T) {
	dir, dist := publishProject(t)
	srv := fakegithub.New(fakegithub.Config{Token: publishTestToken, Repos: []string{"acme/widget"}})
	defer srv.Close()
	want := map[string][]byte{}
	for _, n := range []string{"widget_1.2.3_windows_amd64.zip", "widget_1.2.3_windows_amd64.msi", "checksums.txt"} {
		b, err := os.ReadFile(filepath.Join(dist, n))
		if err != nil {
			t.Fatal(err)
		}
		want[n] = b
	}
	srv.Expect("acme", "widget", "v1.2.3", want)

	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), "SVCSHIP_PUBLISH_CHILD=1", "SVCSHIP_PUBLISH_DIR="+dir,
		"GITHUB_TOKEN="+publishTestToken, "GITHUB_API_URL="+srv.BaseURL())
	var childOut bytes.Buffer
	child.Stdout, child.Stderr = &childOut, &childOut

	var (
		once    sync.Once
		mu      sync.Mutex
		uploads int
		proc    *os.Process // set once the child runs
	)
	killed := make(chan struct{})
	srv.SetFaults(func(r fakegithub.Request) *fakegithub.Fault {
		if !r.Upload {
			return nil
		}
		mu.Lock()
		uploads++
		n, p := uploads, proc
		mu.Unlock()
		if n != 2 {
			return nil
		}
		// The second upload is in flight: kill the process, and let the
		// server see the connection die half-way, as GitHub would.
		once.Do(func() {
			p.Kill()
			close(killed)
		})
		return &fakegithub.Fault{ResetConn: true, ResetAfterBytes: 3, LeaveStarter: true}
	})
	mu.Lock()
	if err := child.Start(); err != nil {
		mu.Unlock()
		t.Fatal(err)
	}
	proc = child.Process
	mu.Unlock()
	err := child.Wait()
	select {
	case <-killed:
	default:
		t.Fatalf("the child finished before its second upload (err %v):\n%s", err, childOut.String())
	}
	if err == nil {
		t.Fatalf("the killed child exited 0:\n%s", childOut.String())
	}
	rels := srv.Releases("acme", "widget")
	if len(rels) != 1 || !rels[0].Draft {
		t.Fatalf("after the kill: %+v, want one draft", rels)
	}

	srv.SetFaults(nil)
	var stdout, stderr bytes.Buffer
	env := map[string]string{"GITHUB_TOKEN": publishTestToken, "GITHUB_API_URL": srv.BaseURL()}
	if code := runPublish(context.Background(), []string{"--dist", dist}, &stdout, &stderr, func(k string) string { return env[k] }, dir); code != 0 {
		t.Fatalf("re-run: exit %d\n%s%s", code, &stdout, &stderr)
	}
	rels = srv.Releases("acme", "widget")
	if len(rels) != 1 || rels[0].Draft || len(rels[0].Assets) != len(want) {
		t.Fatalf("after the re-run: %+v", rels)
	}
	for _, a := range rels[0].Assets {
		if a.State != "uploaded" || !bytes.Equal(a.Data, want[a.Name]) {
			t.Errorf("asset %s: state %s, %d bytes (want %d)", a.Name, a.State, len(a.Data), len(want[a.Name]))
		}
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("published while incomplete: %v", v)
	}
	if strings.Contains(childOut.String()+stdout.String()+stderr.String(), "SECRETTOKEN") {
		t.Error("token leaked")
	}
}
