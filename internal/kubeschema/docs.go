package kubeschema

import (
	"reflect"
	"strings"
)

// swaggerDocumented is implemented by the k8s.io/api and apimachinery types: their field
// documentation keyed by JSON name, and the type's own under "".
type swaggerDocumented interface {
	SwaggerDoc() map[string]string
}

// doc is what the schema says about one attribute.
type doc struct {
	text        string
	deprecation string
}

// or falls back to the documentation of the field's type when the field has none of its own.
func (d doc) or(typeDoc string) doc {
	if d.text == "" {
		return newDoc(typeDoc)
	}
	return d
}

// deprecationMarks open the sentence in which the Kubernetes docs deprecate a field
// ("Deprecated: Use serviceAccountName instead.", "Deprecated. TCPSocket is NOT supported ...").
var deprecationMarks = []string{"Deprecated:", "Deprecated. "}

func newDoc(text string) doc {
	d := doc{text: text}
	for _, mark := range deprecationMarks {
		if i := strings.Index(text, mark); i == 0 || i > 0 && text[i-1] == ' ' {
			d.deprecation = text[i:]
			break
		}
	}
	return d
}

// swaggerDoc returns the documentation of t's fields by JSON name, or nil when t has none.
func swaggerDoc(t reflect.Type) map[string]string {
	if d, ok := reflect.Zero(t).Interface().(swaggerDocumented); ok {
		return d.SwaggerDoc()
	}
	return nil
}
