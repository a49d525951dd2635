// Command hostedapp is a plain console program that knows nothing about
// Windows services. svcship's hosted-mode tests run it under the host: it
// serves HTTP, writes a line per request to stdout and shuts down
// gracefully on Ctrl-Break, Ctrl-C, SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("hostedapp", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "HTTP listen address")
	crashAfter := fs.Int("crash-after", 0, "exit with code 3 after this many milliseconds (0: never)")
	exitAfter := fs.Int("exit-after", 0, "exit with --exit-code after this many milliseconds (0: never)")
	exitCode := fs.Int("exit-code", 0, "exit code used by --exit-after")
	ignoreStop := fs.Bool("ignore-stop", false, "print the signal but keep running (tests forced termination)")
	printEnv := fs.String("print-env", "", "comma-separated environment variables to print at start")
	grandchild := fs.String("grandchild", "", "also start a copy of this program listening on this address")
	if err := fs.Parse(args); err != nil {
		return 2
	}

	// Go maps Ctrl-C and Ctrl-Break to os.Interrupt on Windows.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostedapp: listen:", err)
		return 1
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("hostedapp: %s %s\n", r.Method, r.URL.Path)
		fmt.Fprintf(w, "hostedapp pid=%d path=%s\n", os.Getpid(), r.URL.Path)
	})}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "hostedapp: serve:", err)
		}
	}()

	wd, _ := os.Getwd()
	fmt.Printf("hostedapp: ready addr=%s pid=%d wd=%s\n", ln.Addr(), os.Getpid(), wd)
	for _, name := range strings.Split(*printEnv, ",") {
		if name != "" {
			fmt.Printf("hostedapp: env %s=%s\n", name, os.Getenv(name))
		}
	}
	fmt.Fprintln(os.Stderr, "hostedapp: stderr works")

	if *grandchild != "" {
		self, err := os.Executable()
		if err == nil {
			cmd := exec.Command(self, "--listen", *grandchild)
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			err = cmd.Start()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "hostedapp: grandchild:", err)
			return 1
		}
	}

	var crash, exit <-chan time.Time
	if *crashAfter > 0 {
		crash = time.After(time.Duration(*crashAfter) * time.Millisecond)
	}
	if *exitAfter > 0 {
		exit = time.After(time.Duration(*exitAfter) * time.Millisecond)
	}
	for {
		select {
		case <-crash:
			fmt.Println("hostedapp: crashing on purpose")
			return 3
		case <-exit:
			fmt.Printf("hostedapp: exiting with code %d\n", *exitCode)
			return *exitCode
		case s := <-sigs:
			if *ignoreStop {
				fmt.Printf("hostedapp: got %v, ignoring it\n", s)
				continue
			}
			fmt.Printf("hostedapp: got %v\n", s)
			fmt.Println("hostedapp: shutting down gracefully")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
			return 0
		}
	}
}
