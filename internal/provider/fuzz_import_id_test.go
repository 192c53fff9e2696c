package provider

import (
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// FuzzParseImportID checks the import ID parser against an independent statement of the rule: an ID
// is accepted exactly when it is a valid namespace and a valid object name joined by one "/", and
// then splits back into them; a refused ID gets a message that quotes it and shows the expected form.
// Seeds: testdata/fuzz/FuzzParseImportID.
func FuzzParseImportID(f *testing.F) {
	f.Fuzz(func(t *testing.T, id string) {
		namespace, name, problem := parseImportID(id)
		parts := strings.Split(id, "/")
		valid := len(parts) == 2 && len(validation.IsDNS1123Label(parts[0])) == 0 && len(validation.IsDNS1123Subdomain(parts[1])) == 0
		switch {
		case valid && problem != "":
			t.Fatalf("parseImportID(%q) refused a valid ID: %s", id, problem)
		case !valid && problem == "":
			t.Fatalf("parseImportID(%q) accepted an invalid ID as %q / %q", id, namespace, name)
		case valid && namespace+"/"+name != id:
			t.Fatalf("parseImportID(%q) = %q, %q", id, namespace, name)
		case !valid && (namespace != "" || name != "" || !strings.Contains(problem, strconv.Quote(id)) || !strings.Contains(problem, "namespace/name")):
			t.Fatalf("parseImportID(%q) = %q, %q, %q: want no parts and a message that quotes the ID and shows namespace/name",
				id, namespace, name, problem)
		}
	})
}
