package provider

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeschema"
)

// specCase is one attribute under spec set to one value: the unit of the round-trip tests that
// are generated from the reflected schema rather than picked by hand.
type specCase struct {
	path  []string // attribute names from spec down, "0" for a list's first element
	value any      // a Go literal for agentValue
	zero  bool     // value is the type's zero value: false, 0, "", [] or {}
}

func (c specCase) String() string {
	kind := "value"
	if c.zero {
		kind = "zero"
	}
	return strings.Join(c.path, ".") + "=" + kind
}

// specCases walks the spec's attribute types to maxSteps steps (a list element is a step) and
// gives two cases per attribute: its zero value and a non-zero one. Lists of objects get the
// empty list and a one-element list to walk into; objects get {} and their attributes.
func specCases(t *testing.T, maxSteps int) []specCase {
	t.Helper()
	spec, err := daemonSetSpecObject()
	if err != nil {
		t.Fatal(err)
	}
	return typeCases(spec.Type(), maxSteps, isSkeletonPath)
}

// typeCases walks an attribute type as specCases does, leaving out the paths skip names.
func typeCases(root attr.Type, maxSteps int, skip func([]string) bool) []specCase {
	var cases []specCase
	var walk func(at []string, typ attr.Type)
	walk = func(at []string, typ attr.Type) {
		if len(at) > maxSteps || skip(at) {
			return
		}
		add := func(zero, value any) {
			cases = append(cases, specCase{path: at, value: zero, zero: true}, specCase{path: at, value: value})
		}
		switch typ := typ.(type) {
		case kubeschema.QuantityType, kubeschema.IntOrStringType:
			add("0", "1")
		case basetypes.BoolType:
			add(false, true)
		case basetypes.Int64Type:
			add(0, 1)
		case basetypes.StringType:
			add("", "x")
		case basetypes.MapTypable:
			if elem, ok := typ.(attr.TypeWithElementType); ok && elem.ElementType().Equal(basetypes.StringType{}) {
				add(map[string]string{}, map[string]string{"k": "v"})
			}
		case basetypes.ListTypable:
			withElem, ok := typ.(attr.TypeWithElementType)
			if !ok {
				panic("a list type without an element type at " + strings.Join(at, "."))
			}
			elem := withElem.ElementType()
			obj, isObject := elem.(attr.TypeWithAttributeTypes)
			if !isObject {
				add([]any{}, []any{elementValue(elem)})
				return
			}
			if strings.Join(at, ".") != "template.spec.containers" { // the skeleton's container stays
				cases = append(cases, specCase{path: at, value: []any{}, zero: true})
			}
			walkObject(obj, append(slices.Clone(at), "0"), walk)
		case attr.TypeWithAttributeTypes:
			if p := strings.Join(at, "."); p != "" && p != "template" && p != "template.spec" { // the skeleton's
				cases = append(cases, specCase{path: at, value: map[string]any{}, zero: true})
			}
			walkObject(typ, at, walk)
		}
	}
	walk(nil, root)
	return cases
}

func walkObject(obj attr.TypeWithAttributeTypes, at []string, walk func([]string, attr.Type)) {
	types := obj.AttributeTypes()
	for _, name := range slices.Sorted(maps.Keys(types)) {
		walk(append(slices.Clone(at), name), types[name])
	}
}

func elementValue(typ attr.Type) any {
	switch typ.(type) {
	case basetypes.BoolType:
		return true
	case basetypes.Int64Type:
		return 1
	case kubeschema.QuantityType, kubeschema.IntOrStringType:
		return "1"
	}
	return "x"
}

// skeletonSpec is the least a DaemonSet spec needs; every case is set on a copy of it.
func skeletonSpec() map[string]any {
	return map[string]any{
		"selector": map[string]any{"match_labels": map[string]string{"app": "generated"}},
		"template": map[string]any{
			"metadata": map[string]any{"labels": map[string]string{"app": "generated"}},
			"spec": map[string]any{
				"containers": []any{map[string]any{"name": "main", "image": "registry.k8s.io/pause:3.10"}},
			},
		},
	}
}

// isSkeletonPath reports the paths the skeleton sets, which a case must not overwrite (the
// selector and the labels it selects, the container's key and image), and the list keys.
func isSkeletonPath(at []string) bool {
	p := strings.Join(at, ".")
	// A port's protocol is half its list key; the API server defaults it to TCP.
	if strings.HasSuffix(p, "ports.0.protocol") {
		return true
	}
	return p == "selector" || strings.HasPrefix(p, "selector.") ||
		p == "template.metadata.labels" ||
		p == "template.spec.containers.0.name" || p == "template.spec.init_containers.0.image" || p == "template.spec.containers.0.image"
}

// withCases returns the skeleton with every case set in it; cases on the same path overwrite.
func withCases(cases ...specCase) map[string]any {
	spec := skeletonSpec()
	for _, c := range cases {
		setPath(spec, c.path, c.value)
	}
	return spec
}

func setPath(m map[string]any, at []string, value any) {
	if len(at) == 1 {
		m[at[0]] = value
		return
	}
	name, rest := at[0], at[1:]
	if rest[0] == "0" {
		list, _ := m[name].([]any)
		if len(list) == 0 {
			list = []any{listKey(name)}
			m[name] = list
		}
		if len(rest) == 1 {
			return
		}
		element, _ := list[0].(map[string]any) // setPath makes every element a map
		setPath(element, rest[1:], value)
		return
	}
	child, ok := m[name].(map[string]any)
	if !ok {
		child = map[string]any{}
		m[name] = child
	}
	setPath(child, rest, value)
}

// listKey is a new element of the named list with the fields that key it in server-side apply,
// which every real element sets: two elements without one would be the same element.
func listKey(list string) map[string]any {
	switch list {
	case "ports":
		return map[string]any{"container_port": 80}
	case "host_paths":
		return map[string]any{"path": "/var/log"}
	case "volume_mounts":
		return map[string]any{"mount_path": "/key"}
	case "volume_devices":
		return map[string]any{"device_path": "/dev/key"}
	case "host_aliases":
		return map[string]any{"ip": "10.0.0.1"}
	case "topology_spread_constraints":
		return map[string]any{"topology_key": "key", "when_unsatisfiable": "DoNotSchedule"}
	case "init_containers":
		return map[string]any{"name": "key", "image": "registry.k8s.io/pause:3.10"} // an image is required too
	case "volumes", "env", "containers", "resource_claims", "scheduling_gates", "claims", "image_pull_secrets":
		return map[string]any{"name": "key"}
	}
	return map[string]any{}
}

func TestSpecCases(t *testing.T) {
	cases := specCases(t, 8)
	if len(cases) < 500 {
		t.Fatalf("%d generated cases, want the whole pod template: is the walk cut short?", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.String()] = true
	}
	for _, want := range []string{
		"template.spec.host_network=zero", "min_ready_seconds=zero", "template.spec.priority_class_name=zero",
		"template.spec.containers.0.tty=zero", "template.spec.containers.0.working_dir=zero",
		"template.spec.containers.0.volume_mounts.0.read_only=zero", "template.spec.containers.0.args=zero",
	} {
		if !seen[want] {
			t.Errorf("no case %s among %d", want, len(cases))
		}
	}
	t.Logf("%d cases over %d attributes", len(cases), len(seen)/2)
}

// daemonSetPlan is the model of a planned kubedaemon_daemonset with the given spec literal.
func daemonSetPlan(t *testing.T, spec map[string]any) daemonSetModel {
	t.Helper()
	ctx := t.Context()
	object, err := daemonSetSpecObject()
	if err != nil {
		t.Fatal(err)
	}
	value, err := object.Type().ValueFromTerraform(ctx, agentValue(t, object.Type().TerraformType(ctx), spec))
	if err != nil {
		t.Fatal(err)
	}
	m := daemonSetModel{
		Metadata: types.ObjectValueMust(metadataAttrTypes, map[string]attr.Value{
			"name": types.StringValue("generated"), "namespace": types.StringValue("default"),
			"labels": types.MapNull(types.StringType), "annotations": types.MapNull(types.StringType),
		}),
		Spec: as[types.Object](t, value),
	}
	m.fillDefaults()
	return m
}

// TestSpecRoundTrip_everyAttribute sets every attribute of the spec, one at a time, to its zero
// value and to a non-zero one, server-side applies the DaemonSet to a fake clientset that tracks
// field managers, and reads it back twice: as after an apply (the plan is the prior) and as after
// an import (no prior: the managed fields say what was set). Both must equal the plan, or
// Terraform reports an inconsistent result, a second plan shows a diff, or an import does not
// verify. The fake applies no defaults or validation: TestAccSpecRoundTrip does that part.
