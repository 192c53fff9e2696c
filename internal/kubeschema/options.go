package kubeschema

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Options narrows the generated schema. Both maps are keyed by a struct type and hold JSON field
// names; they apply wherever that type occurs. Fields of an inlined embedded struct (Probe's
// ProbeHandler) belong to the struct that embeds it. A name the type does not have is an error,
// so a field renamed by a Kubernetes upgrade cannot slip silently out of the schema.
type Options struct {
	// Only keeps just the named fields of a type.
	Only map[reflect.Type][]string
	// Skip drops the named fields of a type.
	Skip map[reflect.Type][]string
}

// PodTemplateOptions fits a pod template embedded in a workload object:
//   - template metadata keeps only labels and annotations; the controller owns the rest;
//   - ephemeralContainers is dropped: the API server forbids it in pod templates;
//   - serviceAccount is dropped: it is a deprecated alias of serviceAccountName, which the
//     API server copies into it, so keeping both would give one setting two attributes.
func PodTemplateOptions() Options {
	return Options{
		Only: map[reflect.Type][]string{
			reflect.TypeFor[metav1.ObjectMeta](): {"labels", "annotations"},
		},
		Skip: map[reflect.Type][]string{
			reflect.TypeFor[corev1.PodSpec](): {"ephemeralContainers", "serviceAccount"},
		},
	}
}
