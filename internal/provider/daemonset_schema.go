package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
)

const (
	defaultFieldManager      = "kubedaemon"
	defaultDeletePropagation = "Foreground"
)

var objectAsOptions = basetypes.ObjectAsOptions{}

// metadataAttribute is the user-managed part of a DaemonSet's ObjectMeta; name and namespace
// identify the object, so changing them replaces it.
func metadataAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Required:            true,
		MarkdownDescription: "Standard object metadata: the DaemonSet's name, namespace, labels and annotations.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the DaemonSet, unique within the namespace. Changing it replaces the DaemonSet.",
				Validators:          []validator.String{nameValidator()},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"namespace": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(defaultNamespace),
				MarkdownDescription: "Namespace of the DaemonSet. Defaults to `default`. Changing it replaces the DaemonSet.",
				Validators:          []validator.String{namespaceValidator()},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"labels": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Labels of the DaemonSet object (not of its pods: those go in `spec.template.metadata.labels`).",
				Validators:          []validator.Map{labelsValidator()},
			},
			"annotations": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Annotations of the DaemonSet object. `" + daemonset.AppliedAnnotation + "` is the provider's own: it records there the configuration it applied.",
				Validators:          []validator.Map{objectAnnotationsValidator()},
			},
		},
	}
}

// rolloutArguments are the arguments that shape how an apply, its wait and a delete behave; the
// node agent resource shares them.
func rolloutArguments() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"rollout": rolloutPolicyAttribute(),
		"field_manager": schema.StringAttribute{
			Optional: true,
			Computed: true,
			Default:  stringdefault.StaticString(defaultFieldManager),
			MarkdownDescription: "Field manager name used for server-side apply. State holds the live values of the " +
				"fields the configuration sets, whoever owns them now; this manager owns them after each apply. Defaults to `" +
				defaultFieldManager + "`.",
			Validators: []validator.String{stringvalidator.LengthBetween(1, 128)},
		},
		"force_conflicts": schema.BoolAttribute{
			Optional: true,
			Computed: true,
			Default:  booldefault.StaticBool(false),
			MarkdownDescription: "Take ownership of fields that the configuration newly sets and another field manager owns, " +
				"instead of failing with a conflict that names it. Fields the configuration already set and another tool " +
				"changed since show in the plan as drift, from the live value to the configured one, and are set back without it. Defaults to `false`.",
		},
		"wait_for_rollout": schema.BoolAttribute{
			Optional: true,
			Computed: true,
			Default:  booldefault.StaticBool(true),
			MarkdownDescription: "Wait after create and update until every counted node runs a Ready pod of the new " +
				"revision, watching the nodes and pods themselves (not the DaemonSet's status counters). Defaults to `true`.",
		},
		"wait_for_not_ready_nodes": schema.BoolAttribute{
			Optional: true,
			Computed: true,
			Default:  booldefault.StaticBool(false),
			MarkdownDescription: "Also wait for eligible nodes whose Ready condition is not True. Defaults to `false`: " +
				"such nodes cannot start a pod, so they are reported in a warning and do not block the apply.",
		},
		"delete_propagation": schema.StringAttribute{
			Optional: true,
			Computed: true,
			Default:  stringdefault.StaticString(defaultDeletePropagation),
			MarkdownDescription: "Propagation policy of a delete: `Foreground` (default: the delete waits until every " +
				"pod is gone), `Background` or `Orphan` (the pods are left running).",
			Validators: []validator.String{stringvalidator.OneOf("Foreground", "Background", "Orphan")},
		},
		"uid": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "UID of the DaemonSet object.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"generation": schema.Int64Attribute{
			Computed:            true,
			MarkdownDescription: "Generation of the DaemonSet's spec, incremented by the API server on every change.",
		},
		"resource_version": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "Resource version of the DaemonSet object when it was last read.",
		},
		"status": schema.SingleNestedAttribute{
			Computed: true,
			MarkdownDescription: "The DaemonSet controller's status counters when the resource was last read. They lag " +
				"behind new nodes and old pods: use `coverage` for the verdict.",
			Attributes: map[string]schema.Attribute{
				"desired":             computedInt("Nodes that should run the daemon pod (desiredNumberScheduled)."),
				"current":             computedInt("Nodes running at least one daemon pod that should (currentNumberScheduled)."),
				"ready":               computedInt("Nodes with a Ready daemon pod (numberReady)."),
				"updated":             computedInt("Nodes running the updated daemon pod (updatedNumberScheduled)."),
				"available":           computedInt("Nodes with an available daemon pod (numberAvailable)."),
				"misscheduled":        computedInt("Nodes running a daemon pod that should not (numberMisscheduled)."),
				"observed_generation": computedInt("Most recent generation observed by the controller."),
			},
		},
		"coverage": schema.SingleNestedAttribute{
			Computed: true,
			MarkdownDescription: "Coverage computed from the nodes and pods at the end of the last apply or refresh: see " +
				"the `kubedaemon_coverage` data source for the node-by-node report. When it is not complete (a failed, " +
				"timed-out or interrupted rollout) and `wait_for_rollout` is true, the next plan is an update that waits for it.",
			Attributes: map[string]schema.Attribute{
				"eligible": computedInt("Nodes on which the DaemonSet controller would run a pod."),
				"counted":  computedInt("Eligible nodes that count towards completion (Ready ones, unless `wait_for_not_ready_nodes`)."),
				"covered":  computedInt("Counted nodes running a Ready pod of the current revision."),
				"complete": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether every counted node is covered."},
				"revision": schema.StringAttribute{Computed: true, MarkdownDescription: "Current revision (controller-revision-hash)."},
				"create_failure": schema.StringAttribute{Computed: true, MarkdownDescription: "Why the DaemonSet controller " +
					"cannot create pods of the current revision, from its latest `FailedCreate` event (a missing ServiceAccount " +
					"or PriorityClass, a quota, an admission webhook); null when it reported none."},
				"waves": schema.ListNestedAttribute{
					Computed: true,
					MarkdownDescription: "With `rollout.waves`, each wave's progress: its counted `nodes`, how many run a Ready pod of " +
						"the current revision (`covered`), and its `state`: `done`, `updating`, `baking`, `failed` or `pending`. " +
						"Null without waves. Read outside an apply, the waves before the first one not wholly updated are `done`.",
					NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
						"nodes":   computedInt(waveNodesDescription),
						"covered": computedInt(waveCoveredDescription),
						"state":   schema.StringAttribute{Computed: true, MarkdownDescription: "`done`, `updating`, `baking`, `failed` or `pending`."},
					}},
				},
			},
		},
	}
}

// The figures of a wave's progress, in the resources' coverage and in the coverage data source.
const (
	waveNodesDescription   = "Counted nodes of the wave."
	waveCoveredDescription = "Of those, the nodes running a Ready pod of the current revision."
)

func computedInt(description string) schema.Int64Attribute {
	return schema.Int64Attribute{Computed: true, MarkdownDescription: description}
}

func timeoutsAttribute(ctx context.Context) schema.Attribute {
	return timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true, Delete: true,
		CreateDescription: "How long a create may wait for the rollout, e.g. `15m`. Defaults to `10m`.",
		UpdateDescription: "How long an update may wait for the rollout. Defaults to `10m`.",
		DeleteDescription: "How long a delete may wait for the DaemonSet and its pods to go. Defaults to `10m`.",
	})
}
