// Package ping serves pingd's endpoints.
package ping

import (
	"fmt"
	"net/http"
)

// Handler answers /ping and /healthz.
func Handler(version string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "pong %s\n", version)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	return mux
}
