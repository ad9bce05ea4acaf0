// bookinfo: stand-ins for istio's bookinfo "details" and "reviews" services
// (their images cannot be pulled offline). Same port (9080), endpoints and
// JSON shapes (reviews names its pod in "podname", as istio's does); every
// answer also says which path it received and which pod answered, so ingress
// routing and rewrites can be proven, unless EXTRA_REPORT=off.
//
//	SERVICE=details  GET /details/{id}, /health
//	SERVICE=reviews  GET /reviews/{id}, /health
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
)

func main() {
	service := os.Getenv("SERVICE")
	if service != "details" && service != "reviews" {
		log.Fatal("SERVICE must be details or reviews")
	}
	pod, _ := os.Hostname()
	// EXTRA_REPORT=off: only the upstream images' contract, as istio's details and reviews answer (the checks must judge those too).
	extra := os.Getenv("EXTRA_REPORT") != "off"
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body, status := answer(service, pod, r.URL.Path)
		if extra {
			w.Header().Set("X-Pod-Name", pod)
			w.Header().Set("X-Received-Path", r.URL.Path)
			body["path"] = r.URL.Path
			body["pod"] = pod
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	})
	log.Printf("%s listening on :9080", service)
	log.Fatal(http.ListenAndServe(":9080", nil))
}

func answer(service, pod, path string) (map[string]interface{}, int) {
	if path == "/health" {
		return map[string]interface{}{"status": strings.ToUpper(service[:1]) + service[1:] + " is healthy"}, http.StatusOK
	}
	prefix := "/" + service + "/"
	id, err := strconv.Atoi(strings.TrimPrefix(path, prefix))
	if !strings.HasPrefix(path, prefix) || err != nil {
		return map[string]interface{}{"error": "please provide numeric product id"}, http.StatusNotFound
	}
	if service == "details" {
		return map[string]interface{}{
			"id": id, "author": "William Shakespeare", "year": 1595, "type": "paperback", "pages": 200,
			"publisher": "PublisherA", "language": "English", "ISBN-10": "1234567890", "ISBN-13": "123-1234567890",
		}, http.StatusOK
	}
	return map[string]interface{}{
		"id": strconv.Itoa(id), "podname": pod, "clustername": "null",
		"reviews": []map[string]string{
			{"reviewer": "Reviewer1", "text": "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"},
			{"reviewer": "Reviewer2", "text": "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare."},
		},
	}, http.StatusOK
}
