package kubeschema_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	appsv1 "k8s.io/api/apps/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeschema"
)

// daemonSetSpec is built once per process and shared by Schema and the CRUD methods.
var daemonSetSpec = sync.OnceValues(func() (*kubeschema.Object, error) {
	return kubeschema.NewObject(reflect.TypeFor[appsv1.DaemonSetSpec](), kubeschema.PodTemplateOptions())
})

func Example() {
	ctx := context.Background()
	spec, err := daemonSetSpec()
	if err != nil {
		panic(err)
	}

	// Schema: the whole DaemonSetSpec as one attribute.
	resourceSchema := schema.Schema{Attributes: map[string]schema.Attribute{"spec": spec.SingleNestedAttribute(true)}}
	fmt.Println(len(resourceSchema.ValidateImplementation(ctx)), "schema errors")

	// A planned spec; a resource gets it with req.Plan.GetAttribute(ctx, path.Root("spec"), &plan).
	plan, _ := spec.FromJSON(ctx, path.Root("spec"), map[string]any{
		"selector":        map[string]any{"matchLabels": map[string]any{"app": "agent"}},
		"updateStrategy":  map[string]any{"rollingUpdate": map[string]any{"maxUnavailable": "10%"}},
		"minReadySeconds": 10,
	})

	// Create or Update: the plan becomes the spec of the DaemonSet apply configuration.
	ac := appsv1ac.DaemonSetSpec()
	if diags := spec.ToApplyConfiguration(ctx, path.Root("spec"), plan, ac); diags.HasError() {
		panic(diags)
	}
	out, _ := json.Marshal(ac)
	fmt.Println(string(out))

	// Read: the owned fields (client-go's ExtractDaemonSet(...).Spec) become the state's spec.
	state, diags := spec.FromApplyConfiguration(ctx, path.Root("spec"), ac)
	fmt.Println(diags.HasError(), state.Equal(plan))
	// Output:
	// 0 schema errors
	// {"selector":{"matchLabels":{"app":"agent"}},"updateStrategy":{"rollingUpdate":{"maxUnavailable":"10%"}},"minReadySeconds":10}
	// false true
}
