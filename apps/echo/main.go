// echo: the harness's test backend and in-cluster probe, stdlib only.
//
//	echo serve            answers every request with JSON saying which pod,
//	                      which version, which path and which headers it got
//	echo get URL          one GET from inside the cluster, prints the body
//	echo resolve NAME     prints the addresses NAME resolves to
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type reply struct {
	Pod       string              `json:"pod"`
	Namespace string              `json:"namespace"`
	Node      string              `json:"node"`
	Version   string              `json:"version"`
	Method    string              `json:"method"`
	Host      string              `json:"host"`
	Path      string              `json:"path"`
	Query     string              `json:"query"`
	Headers   map[string][]string `json:"headers"`
	Remote    string              `json:"remote"`
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "serve":
		serve()
	case "get":
		need(3)
		get(os.Args[2])
	case "resolve":
		need(3)
		resolve(os.Args[2])
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: echo serve | echo get URL | echo resolve NAME")
	os.Exit(2)
}

func need(n int) {
	if len(os.Args) < n {
		usage()
	}
}

func serve() {
	addr := ":" + env("PORT", "8080")
	pod, _ := os.Hostname()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Pod-Name", env("POD_NAME", pod))
		w.Header().Set("X-App-Version", env("VERSION", "v1"))
		_ = json.NewEncoder(w).Encode(reply{
			Pod: env("POD_NAME", pod), Namespace: os.Getenv("POD_NAMESPACE"), Node: os.Getenv("NODE_NAME"),
			Version: env("VERSION", "v1"), Method: r.Method, Host: r.Host, Path: r.URL.Path,
			Query: r.URL.RawQuery, Headers: r.Header, Remote: r.RemoteAddr,
		})
	})
	server := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// Drain on SIGTERM: stop accepting, finish in-flight requests.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = server.Shutdown(ctx)
	}()
	fmt.Printf("echo %s listening on %s\n", env("VERSION", "v1"), addr)
	if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func get(url string) {
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Printf("%s", body)
	if res.StatusCode >= 400 {
		fmt.Fprintf(os.Stderr, "HTTP %d\n", res.StatusCode)
		os.Exit(1)
	}
}

func resolve(name string) {
	addrs, err := net.LookupHost(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, a := range addrs {
		fmt.Println(a)
	}
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
