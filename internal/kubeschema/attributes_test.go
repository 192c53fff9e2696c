package kubeschema

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// attributeAt follows attribute names through nested attributes.
func attributeAt(t *testing.T, attrs map[string]schema.Attribute, names ...string) schema.Attribute {
	t.Helper()
	var a schema.Attribute
	for i, name := range names {
		var ok bool
		if a, ok = attrs[name]; !ok {
			t.Fatalf("no attribute %s", strings.Join(names[:i+1], "."))
		}
		if nested, ok := a.(schema.NestedAttribute); ok {
			attrs = as[schema.NestedAttributeObject](t, nested.GetNestedObject()).Attributes
		}
	}
	return a
}

func TestAttributeTypes(t *testing.T) {
	attrs := mustDaemonSetSpec(t).Attributes()
	container := []string{"template", "spec", "containers"}
	cases := []struct {
		path []string
		want attr.Type
	}{
		{[]string{"min_ready_seconds"}, types.Int64Type},
		{[]string{"selector", "match_labels"}, types.MapType{ElemType: types.StringType}},
		{[]string{"update_strategy", "rolling_update", "max_surge"}, IntOrStringType{}},
		{[]string{"template", "spec", "host_pid"}, types.BoolType},
		{[]string{"template", "spec", "node_selector"}, types.MapType{ElemType: types.StringType}},
		{[]string{"template", "spec", "security_context", "supplemental_groups"}, types.ListType{ElemType: types.Int64Type}},
		{[]string{"template", "spec", "volumes", "empty_dir", "size_limit"}, QuantityType{}},
		{[]string{"template", "spec", "volumes", "fc", "target_wwns"}, types.ListType{ElemType: types.StringType}},
		{append(container, "args"), types.ListType{ElemType: types.StringType}},
		{append(container, "resources", "limits"), types.MapType{ElemType: QuantityType{}}},
		{append(container, "liveness_probe", "http_get", "port"), IntOrStringType{}},
		{append(container, "security_context", "capabilities", "add"), types.ListType{ElemType: types.StringType}},
	}
	for _, tc := range cases {
		name := strings.Join(tc.path, ".")
		a := attributeAt(t, attrs, tc.path...)
		if !a.GetType().Equal(tc.want) {
			t.Errorf("%s: type %s, want %s", name, a.GetType(), tc.want)
		}
	}
	if _, ok := attributeAt(t, attrs, container...).(schema.ListNestedAttribute); !ok {
		t.Error("containers is not a ListNestedAttribute")
	}
	if _, ok := attributeAt(t, attrs, "template", "spec", "affinity").(schema.SingleNestedAttribute); !ok {
		t.Error("affinity is not a SingleNestedAttribute")
	}
}

func TestAttributeDescriptions(t *testing.T) {
	o := mustDaemonSetSpec(t)
	attrs := o.Attributes()
	podDoc := corev1.PodSpec{}.SwaggerDoc()
	cases := []struct {
		path []string
		want string
	}{
		{[]string{"min_ready_seconds"}, appsv1.DaemonSetSpec{}.SwaggerDoc()["minReadySeconds"]},
		{[]string{"template", "spec", "host_pid"}, podDoc["hostPID"]},
		// Fields of an inlined struct carry that struct's documentation.
		{[]string{"template", "spec", "containers", "liveness_probe", "http_get"}, corev1.ProbeHandler{}.SwaggerDoc()["httpGet"]},
		{[]string{"template", "spec", "volumes", "host_path"}, corev1.VolumeSource{}.SwaggerDoc()["hostPath"]},
	}
	for _, tc := range cases {
		a := attributeAt(t, attrs, tc.path...)
		if tc.want == "" || a.GetDescription() != tc.want || a.GetMarkdownDescription() != tc.want {
			t.Errorf("%s: description %q, want %q", strings.Join(tc.path, "."), a.GetDescription(), tc.want)
		}
	}
	if o.Description() != (appsv1.DaemonSetSpec{}).SwaggerDoc()[""] || o.SingleNestedAttribute(true).Description != o.Description() {
		t.Errorf("DaemonSetSpec description %q", o.Description())
	}
}

func TestDeprecatedAttributes(t *testing.T) {
	attrs := mustDaemonSetSpec(t).Attributes()
	gitRepo := attributeAt(t, attrs, "template", "spec", "volumes", "git_repo")
	if !strings.HasPrefix(gitRepo.GetDeprecationMessage(), "Deprecated: GitRepo is deprecated.") {
		t.Errorf("git_repo deprecation %q", gitRepo.GetDeprecationMessage())
	}
	tcpSocket := attributeAt(t, attrs, "template", "spec", "containers", "lifecycle", "pre_stop", "tcp_socket")
	if !strings.HasPrefix(tcpSocket.GetDeprecationMessage(), "Deprecated. TCPSocket is NOT supported") {
		t.Errorf("lifecycle tcp_socket deprecation %q", tcpSocket.GetDeprecationMessage())
	}
	for _, current := range [][]string{{"template", "spec", "host_pid"}, {"template", "spec", "volumes", "host_path"}} {
		if msg := attributeAt(t, attrs, current...).GetDeprecationMessage(); msg != "" {
			t.Errorf("%s deprecated: %q", strings.Join(current, "."), msg)
		}
	}
}
