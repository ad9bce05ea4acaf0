// echo: the harness's test backend and in-cluster probe, stdlib only.
//
//	echo serve            answers every request with JSON saying which pod,
//	                      which version, which path and which headers it got
//	                      (status STATUS, default 200: a broken backend for the
//	                      negative controls); /healthz is its readiness,
//	                      switched by /readiness/fail|pass
//	echo get URL          one GET from inside the cluster, prints the body
//	echo spread URL N     N GETs, each on a new connection; one JSON line per
//	                      answer: status, X-Pod-Name, X-Received-Path, the
//	                      body's first 512 bytes (or the error)
//	echo resolve NAME     prints the addresses NAME resolves to
//	echo greeting ADDR    connects to HOST:PORT and prints, as one JSON line,
//	                      the MySQL handshake the server sends first (protocol
//	                      and server version), or why there was none
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
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
	BodyBytes int64               `json:"bodyBytes"`
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
	case "spread":
		need(4)
		spread(os.Args[2], os.Args[3])
	case "resolve":
		need(3)
		resolve(os.Args[2])
	case "greeting":
		need(3)
		greeting(os.Args[2])
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: echo serve | echo get URL | echo spread URL N | echo resolve NAME | echo greeting HOST:PORT")
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
	var unready atomic.Bool
	mux := http.NewServeMux()
	// The readiness probe's target; POST /readiness/fail and /readiness/pass
	// let a test make this pod NotReady and Ready again.
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if unready.Load() {
			http.Error(w, "not ready (set by POST /readiness/fail)", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readiness/fail", func(w http.ResponseWriter, r *http.Request) { unready.Store(true) })
	mux.HandleFunc("/readiness/pass", func(w http.ResponseWriter, r *http.Request) { unready.Store(false) })
	status, err := strconv.Atoi(env("STATUS", "200"))
	if err != nil || status < 100 || status > 599 {
		fmt.Fprintln(os.Stderr, "STATUS must be an HTTP status code")
		os.Exit(2)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		received, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Pod-Name", env("POD_NAME", pod))
		w.Header().Set("X-App-Version", env("VERSION", "v1"))
		w.Header().Set("X-Received-Path", r.URL.Path)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(reply{
			Pod: env("POD_NAME", pod), Namespace: os.Getenv("POD_NAMESPACE"), Node: os.Getenv("NODE_NAME"),
			Version: env("VERSION", "v1"), Method: r.Method, Host: r.Host, Path: r.URL.Path,
			Query: r.URL.RawQuery, Headers: r.Header, Remote: r.RemoteAddr, BodyBytes: received,
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

func spread(url, count string) {
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 || n > 1000 {
		usage()
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	out := json.NewEncoder(os.Stdout)
	for i := 0; i < n; i++ {
		res, err := client.Get(url)
		if err != nil {
			_ = out.Encode(map[string]string{"error": err.Error()})
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		_ = out.Encode(answer{Status: res.StatusCode, Pod: res.Header.Get("X-Pod-Name"), Received: res.Header.Get("X-Received-Path"), Body: string(body)})
	}
}

// answer is one line of `echo spread`.
type answer struct {
	Status   int    `json:"status"`
	Pod      string `json:"pod,omitempty"`
	Received string `json:"received,omitempty"`
	Body     string `json:"body"`
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

// greeting reads the first packet a MySQL server sends on connect (3-byte
// length, sequence, then the payload: protocol version 10 and the server
// version, NUL-terminated; or 0xff and an error message).
func greeting(addr string) {
	out := json.NewEncoder(os.Stdout)
	fail := func(format string, a ...any) { _ = out.Encode(map[string]string{"error": fmt.Sprintf(format, a...)}) }
	conn, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		fail("%v", err)
		return
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 512)
	n, err := io.ReadAtLeast(conn, buf, 6)
	if n < 6 {
		fail("connected, but %d bytes came within 3s (%v)", n, err)
		return
	}
	payload := buf[4:n]
	if payload[0] == 0xff && len(payload) > 3 {
		fail("the server refused the connection: %q", payload[3:])
		return
	}
	version := payload[1:]
	if i := bytes.IndexByte(version, 0); i >= 0 {
		version = version[:i]
	}
	_ = out.Encode(map[string]any{"protocol": int(payload[0]), "server": string(version)})
}
