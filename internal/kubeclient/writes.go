package kubeclient

import "net/http"

// writesTransport calls written before every request that may change the cluster (any but a GET or
// HEAD, which lists and watches are), so that reads shared within the process are made again.
type writesTransport struct {
	next    http.RoundTripper
	written func()
}

func (t writesTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		t.written()
	}
	return t.next.RoundTrip(req)
}
