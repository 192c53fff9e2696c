package daemonset

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/schema"
)

// LastAppliedAnnotation is where `kubectl apply` (client-side) keeps the configuration it applied.
const LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// AppliedAnnotation is where this provider keeps the configuration it applied, as kubectl apply
// keeps its own. An object cannot show some zero values: one Kubernetes keeps whole inside a
// struct (a toleration's value ""), one the API server replaced by its default (dnsPolicy ""), an
// empty object. An import into another configuration reads them here.
const AppliedAnnotation = "kubedaemon.io/applied-configuration"

// EmptyAttributesKey is a top-level key of a desired object that is never sent: under it a
// resource lists the names of its own attributes that its configuration set to an empty list
// or map and that leave no trace on the DaemonSet (the node agent's labels, beside the selector
// labels it adds itself). ApplyBody keeps it in the record only, FieldsOf and Read ignore it, and
// an import of what the provider applied finds it in Previous.Recorded.
const EmptyAttributesKey = "kubedaemon.io/empty-attributes"

// WavesKey is another key of a desired object that is never sent: the waves of its staged
// rollout, recorded so that the coverage data source, which sees only the DaemonSet, can report
// them (see RecordedValue).
const WavesKey = "kubedaemon.io/waves"

// recordOnly are the keys of a desired object that only the record keeps.
var recordOnly = []string{EmptyAttributesKey, WavesKey}

// RecordedValue is the value under key of the configuration recorded on the live DaemonSet, as
// JSON, if there is one.
func RecordedValue(live *appsv1.DaemonSet, key string) (json.RawMessage, bool) {
	raw, ok := live.Annotations[AppliedAnnotation]
	if !ok {
		return nil, false
	}
	var record map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &record) != nil {
		return nil, false
	}
	v, ok := record[key]
	return v, ok
}

// clientSideApplyManager is the field manager of `kubectl apply` without --server-side.
const clientSideApplyManager = "kubectl-client-side-apply"

// serverSetAnnotations are written by the API server or by kubectl's bookkeeping, never by the
// user, though the managed fields give them to whoever created or applied the object.
var serverSetAnnotations = []string{
	"deprecated.daemonset.template.generation",
	LastAppliedAnnotation,
	AppliedAnnotation,
	LockAnnotation,
}

// controllerManagers write a DaemonSet's status and bookkeeping, never its configuration: the
// controllers, and the provider's own rollout lock.
var controllerManagers = []string{"kube-controller-manager", "kube-apiserver", lockManager}

// Manager is one field manager of a live object, as its managedFields entry names it.
type Manager struct {
	Name      string
	Operation metav1.ManagedFieldsOperationType
}

func (m Manager) String() string { return fmt.Sprintf("%s (%s)", m.Name, m.Operation) }

// Previous is what the tools that made a DaemonSet set on it, read right after an import: the
// paths they set (their managed fields, or for `kubectl apply` its last-applied configuration,
// which leaves out the server defaults its managed fields include) and who they are.
type Previous struct {
	Fields   Fields
	Managers []Manager
	// Recorded is the configuration this provider applied (AppliedAnnotation), when the manager
	// that applied it still owns exactly the paths it set and every other tool's paths are among
	// them: the object then is what that apply made, and reads as a read right after it.
	Recorded   map[string]any
	recordedBy string
}

// PreviousManagers reads, from managedFields, the paths every manager other than the controllers
// and the status writers set on the live DaemonSet. Server defaults that an Update manager owns
// (an Update owns every field it changed, defaults included) are left out where the live value
// equals the default, so that a configuration equal to what the tool was given plans no change.
func PreviousManagers(live *appsv1.DaemonSet) (Previous, error) {
	var prev Previous
	fields, others := fieldpath.NewSet(), fieldpath.NewSet()
	record, recordFields, recordSent, hasRecord := recorded(live)
	for _, entry := range live.ManagedFields {
		if entry.Subresource != "" || slices.Contains(controllerManagers, entry.Manager) || entry.FieldsV1 == nil {
			continue
		}
		set, err := entrySet(entry)
		if err != nil {
			return Previous{}, err
		}
		switch {
		case entry.Operation == metav1.ManagedFieldsOperationUpdate:
			applied, ok, err := lastApplied(live, entry.Manager)
			if err != nil {
				return Previous{}, err
			}
			if ok {
				set = applied.set
			} else {
				set = withoutDefaults(live, set)
			}
			others = others.Union(set)
		case hasRecord && prev.recordedBy == "" && set.Equals(recordSent):
			prev.recordedBy = entry.Manager
		default:
			others = others.Union(set)
		}
		fields = fields.Union(set)
		prev.Managers = append(prev.Managers, Manager{Name: entry.Manager, Operation: entry.Operation})
	}
	if prev.recordedBy != "" && others.Difference(recordFields.set).Empty() {
		prev.Recorded, prev.Fields = record, recordFields
		return prev, nil
	}
	prev.recordedBy = ""
	for _, key := range serverSetAnnotations {
		fields = fields.Difference(annotationPath(key))
	}
	fields, err := withoutEmptyStructs(live, fields)
	if err != nil {
		return Previous{}, err
	}
	prev.Fields = Fields{set: fields}
	return prev, nil
}

// recorded reads AppliedAnnotation: the configuration, the paths it sets, and the paths its apply
// patch set as the API server records them (without the identity it strips), which the manager
// that sent it owns exactly as long as no other manager took one of them. A record that cannot be
// read is no record: the managed fields still say what each tool set.
func recorded(live *appsv1.DaemonSet) (map[string]any, Fields, *fieldpath.Set, bool) {
	raw, ok := live.Annotations[AppliedAnnotation]
	if !ok {
		return nil, Fields{}, nil, false
	}
	var applied map[string]any
	if json.Unmarshal([]byte(raw), &applied) != nil {
		return nil, Fields{}, nil, false
	}
	fields, err := FieldsOf(applied)
	if err != nil {
		return nil, Fields{}, nil, false
	}
	body, err := ApplyBody(applied)
	if err != nil {
		return nil, Fields{}, nil, false
	}
	sent, err := FieldsOf(json.RawMessage(body))
	if err != nil {
		return nil, Fields{}, nil, false
	}
	return applied, fields, sent.set.Difference(strippedByServer), true
}

// strippedByServer are the paths of an apply patch that the API server never records as owned.
var strippedByServer = fieldpath.NewSet(
	fieldpath.MakePathOrDie("apiVersion"),
	fieldpath.MakePathOrDie("kind"),
	fieldpath.MakePathOrDie("metadata", "name"),
	fieldpath.MakePathOrDie("metadata", "namespace"),
)

// lastApplied is the configuration `kubectl apply` kept on the object, when manager is kubectl's
// client-side apply and the annotation is there.
func lastApplied(live *appsv1.DaemonSet, manager string) (Fields, bool, error) {
	raw, ok := live.Annotations[LastAppliedAnnotation]
	if manager != clientSideApplyManager || !ok {
		return Fields{}, false, nil
	}
	var applied map[string]any
	if err := json.Unmarshal([]byte(raw), &applied); err != nil {
		return Fields{}, false, fmt.Errorf("read the %s annotation: %w", LastAppliedAnnotation, err)
	}
	// kubectl records the manifest less its own annotation, which leaves an empty annotations map
	// where the manifest had none: its bookkeeping, not a map anyone set.
	if metadata, ok := applied["metadata"].(map[string]any); ok {
		if annotations, ok := metadata["annotations"].(map[string]any); ok && len(annotations) == 0 {
			delete(metadata, "annotations")
		}
	}
	f, err := FieldsOf(applied)
	return f, err == nil, err
}

func annotationPath(key string) *fieldpath.Set {
	return fieldpath.NewSet(fieldpath.MakePathOrDie("metadata", "annotations", key))
}

// Names lists the managers, for messages.
func (p Previous) Names() string {
	names := make([]string, 0, len(p.Managers))
	for _, m := range p.Managers {
		names = append(names, m.String())
	}
	return strings.Join(names, ", ")
}

// withoutEmptyStructs drops the leaves of set that are granular structs (updateStrategy,
// resources, a pod template's metadata): a tool that owns one without any of its fields sent it
// empty ({}, as the JSON of a Go object writes an unset struct), and so set nothing there. An
// atomic struct is different: owning it means owning all of it.
func withoutEmptyStructs(live *appsv1.DaemonSet, set *fieldpath.Set) (*fieldpath.Set, error) {
	tv, err := toTyped(live)
	if err != nil {
		return nil, err
	}
	kept := fieldpath.NewSet()
	set.Leaves().Iterate(func(p fieldpath.Path) {
		if !isGranularStruct(tv.Schema(), tv.TypeRef(), p) {
			kept.Insert(p)
		}
	})
	return kept, nil
}

// isGranularStruct walks the structured-merge schema from tr along p and reports whether p names
// a struct whose fields are owned one by one.
func isGranularStruct(s *schema.Schema, tr schema.TypeRef, p fieldpath.Path) bool {
	for _, pe := range p {
		atom, ok := s.Resolve(tr)
		if !ok {
			return false
		}
		switch {
		case pe.FieldName != nil && atom.Map != nil:
			field, found := atom.Map.FindField(*pe.FieldName)
			if !found {
				return false
			}
			tr = field.Type
		case pe.FieldName == nil && atom.List != nil:
			tr = atom.List.ElementType
		default:
			return false
		}
	}
	if tr.ElementRelationship != nil && *tr.ElementRelationship == schema.Atomic {
		return false
	}
	atom, ok := s.Resolve(tr)
	return ok && atom.Map != nil && len(atom.Map.Fields) > 0 && atom.Map.ElementRelationship != schema.Atomic
}
