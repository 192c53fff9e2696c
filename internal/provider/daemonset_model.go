package provider

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	appsv1 "k8s.io/api/apps/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeschema"
)

// daemonSetSpecObject is the reflected schema of apps/v1 DaemonSetSpec, built once per process.
var daemonSetSpecObject = sync.OnceValues(func() (*kubeschema.Object, error) {
	return kubeschema.NewObject(reflect.TypeFor[appsv1.DaemonSetSpec](), kubeschema.PodTemplateOptions())
})

// daemonSetModel is the Terraform state of a kubedaemon_daemonset.
type daemonSetModel struct {
	ID       types.String   `tfsdk:"id"`
	Metadata types.Object   `tfsdk:"metadata"`
	Spec     types.Object   `tfsdk:"spec"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
	rolloutState
}

// metadataModel is the part of ObjectMeta a user manages.
type metadataModel struct {
	Name        types.String `tfsdk:"name"`
	Namespace   types.String `tfsdk:"namespace"`
	Labels      types.Map    `tfsdk:"labels"`
	Annotations types.Map    `tfsdk:"annotations"`
}

var metadataAttrTypes = map[string]attr.Type{
	"name":        types.StringType,
	"namespace":   types.StringType,
	"labels":      types.MapType{ElemType: types.StringType},
	"annotations": types.MapType{ElemType: types.StringType},
}

func (m *daemonSetModel) metadata(ctx context.Context) (metadataModel, diag.Diagnostics) {
	var md metadataModel
	diags := m.Metadata.As(ctx, &md, objectAsOptions)
	return md, diags
}

// namespacedName reads the identity of the DaemonSet from the model.
func (m *daemonSetModel) namespacedName(ctx context.Context) (namespace, name string, diags diag.Diagnostics) {
	md, diags := m.metadata(ctx)
	namespace = md.Namespace.ValueString()
	if namespace == "" {
		namespace = defaultNamespace
	}
	return namespace, md.Name.ValueString(), diags
}

// applyConfiguration turns the plan into the object sent by server-side apply.
func (m *daemonSetModel) applyConfiguration(ctx context.Context) (*appsv1ac.DaemonSetApplyConfiguration, diag.Diagnostics) {
	md, diags := m.metadata(ctx)
	if diags.HasError() {
		return nil, diags
	}
	namespace, name, _ := m.namespacedName(ctx)
	ac := appsv1ac.DaemonSet(name, namespace)
	labels, d := stringMap(ctx, md.Labels)
	diags.Append(d...)
	annotations, d := stringMap(ctx, md.Annotations)
	diags.Append(d...)
	if labels != nil {
		ac.WithLabels(labels)
	}
	if annotations != nil {
		ac.WithAnnotations(annotations)
	}
	specObject, err := daemonSetSpecObject()
	if err != nil {
		diags.AddError("Cannot build the DaemonSet schema", err.Error())
		return nil, diags
	}
	spec := &appsv1ac.DaemonSetSpecApplyConfiguration{}
	diags.Append(specObject.ToApplyConfiguration(ctx, specPath, m.Spec, spec)...)
	ac.WithSpec(spec)
	return ac, diags
}

// daemonSetObject is the plan as an apps/v1 DaemonSet, for checks that reuse Kubernetes' own helpers.
func (m *daemonSetModel) daemonSetObject(ctx context.Context) (*appsv1.DaemonSet, diag.Diagnostics) {
	ac, diags := m.applyConfiguration(ctx)
	if diags.HasError() {
		return nil, diags
	}
	ds, err := daemonSetFromApplyConfiguration(ac)
	if err != nil {
		diags.AddError("Cannot convert the DaemonSet", err.Error())
	}
	return ds, diags
}

// daemonSetFromApplyConfiguration converts an apply configuration into the typed object, as the API
// server would decode it.
func daemonSetFromApplyConfiguration(ac *appsv1ac.DaemonSetApplyConfiguration) (*appsv1.DaemonSet, error) {
	raw, err := json.Marshal(ac)
	if err != nil {
		return nil, err
	}
	ds := &appsv1.DaemonSet{}
	return ds, json.Unmarshal(raw, ds)
}

// setFromObject fills the state from the live object: managed holds the live values of the paths
// the model manages, so server defaults and other tools' fields stay null while another tool's
// change to a managed field shows as drift, old -> new.
func (m *daemonSetModel) setFromObject(ctx context.Context, ds *appsv1.DaemonSet, owned managedView) diag.Diagnostics {
	var diags diag.Diagnostics
	prior, d := m.metadata(ctx)
	diags.Append(d...)
	priorSpec := m.Spec
	if owned.recorded != nil {
		prior, priorSpec, d = recordedPrior(ctx, owned.recorded)
		diags.Append(d...)
	}
	labels, d := ownedMap(ctx, owned.Labels, prior.Labels)
	diags.Append(d...)
	annotations, d := ownedMap(ctx, owned.Annotations, prior.Annotations)
	diags.Append(d...)
	m.Metadata, d = types.ObjectValue(metadataAttrTypes, map[string]attr.Value{
		"name":        types.StringValue(ds.Name),
		"namespace":   types.StringValue(ds.Namespace),
		"labels":      labels,
		"annotations": annotations,
	})
	diags.Append(d...)

	// From the JSON, not the apply configuration, whose omitempty would drop the empty lists.
	spec, _ := owned.object["spec"].(map[string]any)
	if spec == nil {
		spec = map[string]any{}
	}
	if staged(m.Rollout) {
		spec = withoutAddedStrategy(spec, priorSpec)
	}
	specObject, err := daemonSetSpecObject()
	if err != nil {
		diags.AddError("Cannot build the DaemonSet schema", err.Error())
		return diags
	}
	specValue, d := specObject.FromJSON(ctx, specPath, spec)
	diags.Append(d...)
	if !d.HasError() {
		if kept, ok := kubeschema.ReconcileRead(ctx, priorSpec, specValue).(types.Object); ok {
			specValue = kept
		}
		m.Spec = specValue
	}

	m.ID = types.StringValue(ds.Namespace + "/" + ds.Name)
	diags.Append(m.setObjectState(ds)...)
	return diags
}

// withoutAddedStrategy leaves out of spec, the managed view's, the OnDelete type that
// desiredObject adds under waves where the configuration (prior) sets none: it is the provider's,
// not the configuration's.
func withoutAddedStrategy(spec map[string]any, prior types.Object) map[string]any {
	configured, typed := types.ObjectNull(nil), false
	if !prior.IsNull() && !prior.IsUnknown() {
		if v, ok := prior.Attributes()["update_strategy"].(types.Object); ok && !v.IsNull() {
			configured = v
			t, ok := v.Attributes()["type"]
			typed = ok && !t.IsNull()
		}
	}
	strategy, ok := spec["updateStrategy"].(map[string]any)
	if typed || !ok {
		return spec
	}
	spec, strategy = maps.Clone(spec), maps.Clone(strategy)
	delete(strategy, "type")
	if len(strategy) == 0 && configured.IsNull() {
		delete(spec, "updateStrategy")
	} else {
		spec["updateStrategy"] = strategy
	}
	return spec
}

// recordedPrior is the metadata maps and the spec of a configuration the provider recorded on the
// object it applied: what the prior state was in the configuration that applied it.
func recordedPrior(ctx context.Context, recorded map[string]any) (metadataModel, types.Object, diag.Diagnostics) {
	var diags diag.Diagnostics
	var md metadataModel
	metadata, _ := recorded["metadata"].(map[string]any)
	for key, to := range map[string]*types.Map{"labels": &md.Labels, "annotations": &md.Annotations} {
		*to = types.MapNull(types.StringType)
		if values, ok := metadata[key].(map[string]any); ok {
			elems := make(map[string]attr.Value, len(values))
			for k, v := range values {
				s, _ := v.(string)
				elems[k] = types.StringValue(s)
			}
			*to = types.MapValueMust(types.StringType, elems)
		}
	}
	specObject, err := daemonSetSpecObject()
	if err != nil {
		diags.AddError("Cannot build the DaemonSet schema", err.Error())
		return md, types.Object{}, diags
	}
	spec, _ := recorded["spec"].(map[string]any)
	specValue, d := specObject.FromJSON(ctx, specPath, spec)
	diags.Append(d...)
	return md, specValue, diags
}

func (m *daemonSetModel) resourceType() string { return "kubedaemon_daemonset" }

// desiredObject is the apply configuration's JSON with the spec as the configuration writes it,
// empty lists and maps included, and empty label and annotation maps kept.
func (m *daemonSetModel) desiredObject(ctx context.Context) (map[string]any, diag.Diagnostics) {
	ac, diags := m.applyConfiguration(ctx)
	if diags.HasError() {
		return nil, diags
	}
	out, d := applyConfigurationJSON(ac)
	diags.Append(d...)
	specObject, err := daemonSetSpecObject()
	if err != nil {
		diags.AddError("Cannot build the DaemonSet schema", err.Error())
	}
	if diags.HasError() {
		return nil, diags
	}
	spec, d := specObject.ToJSON(ctx, specPath, m.Spec)
	diags.Append(d...)
	if spec != nil && staged(m.Rollout) {
		// Under waves the provider paces the rollout: the controller must leave the pods to it.
		strategy, _ := spec["updateStrategy"].(map[string]any)
		if strategy == nil {
			strategy = map[string]any{}
			spec["updateStrategy"] = strategy
		}
		if strategy["type"] == nil {
			strategy["type"] = string(appsv1.OnDeleteDaemonSetStrategyType)
		}
	}
	out["spec"] = spec
	md, d := m.metadata(ctx)
	diags.Append(d...)
	metadata, _ := out["metadata"].(map[string]any)
	for key, v := range map[string]types.Map{"labels": md.Labels, "annotations": md.Annotations} {
		if !v.IsNull() && !v.IsUnknown() && len(v.Elements()) == 0 && metadata != nil {
			metadata[key] = map[string]any{}
		}
	}
	recordWaves(out, m.Rollout)
	return out, diags
}

// imported reports whether the state holds only what an import gave it.
func (m *daemonSetModel) imported() bool { return m.Spec.IsNull() }

func stringMap(ctx context.Context, v types.Map) (map[string]string, diag.Diagnostics) {
	if v.IsNull() || v.IsUnknown() {
		return nil, nil
	}
	out := map[string]string{}
	diags := v.ElementsAs(ctx, &out, false)
	return out, diags
}

// ownedMap reads back a map from the managed view, where nil means the path is not managed and an
// empty map one managed and empty (sent as {}, or recorded so): null when it is not managed and
// the configuration did not set it, so an empty map in the configuration stays empty rather than
// null, and one imported reads as it was sent.
func ownedMap(ctx context.Context, owned map[string]string, prior types.Map) (types.Map, diag.Diagnostics) {
	if owned == nil && (prior.IsNull() || prior.IsUnknown()) {
		return types.MapNull(types.StringType), nil
	}
	if owned == nil {
		owned = map[string]string{}
	}
	return types.MapValueFrom(ctx, types.StringType, owned)
}
