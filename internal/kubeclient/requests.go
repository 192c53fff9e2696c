package kubeclient

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"k8s.io/client-go/rest"
)

// DebugRequestsEnv names the environment variable that makes the provider count its requests to the
// API server: set to a directory, each provider process keeps there a file
// kubedaemon-requests-<pid>.json holding a RequestsFile, rewritten whenever a request starts or its
// response has been read. It is a debugging and benchmarking aid; it never records a URL, header
// or body, only the kind of each request and the size of its response.
const DebugRequestsEnv = "KUBEDAEMON_DEBUG_REQUESTS"

// RequestCount is the number of requests of one kind and the response bytes read for them: the body
// as the client decodes it, after any gzip transfer compression is undone, watch streams included.
type RequestCount struct {
	Requests int   `json:"requests"`
	Bytes    int64 `json:"bytes"`
}

// RequestsFile is the content of a file that DebugRequestsEnv asks for.
type RequestsFile struct {
	PID int `json:"pid"`
	// Kinds is keyed by verb and resource, e.g. "list pods", "watch nodes", "apply apps/daemonsets".
	Kinds map[string]RequestCount `json:"kinds"`
}

// RequestCounter counts the requests of the clients built from one rest.Config, by kind.
type RequestCounter struct {
	mu    sync.Mutex
	kinds map[string]RequestCount
	// file, when set, receives the counts after every change; writeMu keeps writers apart.
	file    string
	writeMu sync.Mutex
}

// CountRequests makes every client later built from rc count its requests in the returned counter.
func CountRequests(rc *rest.Config) *RequestCounter {
	c := &RequestCounter{kinds: map[string]RequestCount{}}
	rc.Wrap(func(next http.RoundTripper) http.RoundTripper { return &countingTransport{next: next, counter: c} })
	return c
}

// countRequestsToDir turns on the counting DebugRequestsEnv asks for.
func countRequestsToDir(rc *rest.Config, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%s: %w", DebugRequestsEnv, err)
	}
	c := CountRequests(rc)
	c.file = filepath.Join(dir, fmt.Sprintf("kubedaemon-requests-%d.json", os.Getpid()))
	return c.write()
}

// Counts returns the counts so far, by kind.
func (c *RequestCounter) Counts() map[string]RequestCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.kinds)
}

func (c *RequestCounter) add(kind string, requests int, bytes int64) {
	c.mu.Lock()
	n := c.kinds[kind]
	n.Requests += requests
	n.Bytes += bytes
	c.kinds[kind] = n
	c.mu.Unlock()
}

// write replaces the file with the current counts, through a rename so that a reader never sees a
// partial file. A failure is dropped: the counts are a debugging aid and must not fail an apply.
func (c *RequestCounter) write() error {
	if c.file == "" {
		return nil
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	data, err := json.Marshal(RequestsFile{PID: os.Getpid(), Kinds: c.Counts()})
	if err != nil {
		return err
	}
	tmp := c.file + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, c.file)
}

type countingTransport struct {
	next    http.RoundTripper
	counter *RequestCounter
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	kind := requestKind(r)
	t.counter.add(kind, 1, 0)
	_ = t.counter.write()
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &countingBody{ReadCloser: resp.Body, counter: t.counter, kind: kind}
	return resp, nil
}

// countingBody adds the bytes read from a response body to its kind as they arrive, so that a watch
// stream that is still open counts what it has delivered.
type countingBody struct {
	io.ReadCloser
	counter *RequestCounter
	kind    string
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.counter.add(b.kind, 0, int64(n))
	return n, err
}

func (b *countingBody) Close() error {
	err := b.ReadCloser.Close()
	_ = b.counter.write()
	return err
}

// namespaceSubresources are the subresources of a namespace, which the API server's request parser
// tells apart from a namespaced resource the same way.
var namespaceSubresources = map[string]bool{"status": true, "finalize": true}

// requestKind names a request by verb and resource as the API server's audit log would, e.g.
// "list pods", "watch apps/daemonsets", "get nodes/status"; other paths go by method and path.
func requestKind(r *http.Request) string {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var group string
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		group, parts = parts[1], parts[3:]
	default:
		return strings.ToLower(r.Method) + " " + r.URL.Path
	}
	if len(parts) >= 3 && parts[0] == "namespaces" && !namespaceSubresources[parts[2]] {
		parts = parts[2:]
	}
	resource := parts[0]
	if group != "" {
		resource = group + "/" + resource
	}
	if len(parts) >= 3 {
		resource += "/" + parts[2]
	}
	named := len(parts) >= 2
	verb := strings.ToLower(r.Method)
	switch r.Method {
	case http.MethodGet:
		switch {
		case r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1":
			verb = "watch"
		case named:
			verb = "get"
		default:
			verb = "list"
		}
	case http.MethodPost:
		verb = "create"
	case http.MethodPut:
		verb = "update"
	case http.MethodPatch:
		verb = "patch"
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/apply-patch") {
			verb = "apply"
		}
	case http.MethodDelete:
		if !named {
			verb = "deletecollection"
		}
	}
	return verb + " " + resource
}
