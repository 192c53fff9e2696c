package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	fwpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeschema"
)

const (
	// The pods' selector: stable for the agent's whole life, so that any change to the agent
	// updates its DaemonSet in place.
	agentNameLabel      = "app.kubernetes.io/name"
	agentManagedByLabel = "app.kubernetes.io/managed-by"
	agentManagedBy      = "kubedaemon"

	nodeNameEnv           = "NODE_NAME"
	defaultPriorityClass  = "system-node-critical"
	defaultMaxUnavailable = "10%"
	defaultCPURequest     = "50m"
	defaultCPULimit       = "500m"
	defaultMemoryRequest  = "64Mi"
	defaultMemoryLimit    = "256Mi"
)

func nodeAgentSchema(ctx context.Context) schema.Schema {
	attributes := rolloutArguments()
	for name, a := range nodeAgentAttributes() {
		attributes[name] = a
	}
	attributes["timeouts"] = timeoutsAttribute(ctx)
	return schema.Schema{
		MarkdownDescription: "A node agent (log collector, metrics exporter, storage or security daemon): one container on " +
			"every eligible node, run by a DaemonSet with the details node agents need as defaults. It tolerates every " +
			"taint, gets the node's name in `NODE_NAME`, mounts host paths read-only, runs at priority " +
			"`system-node-critical` with modest resource requests and limits, under a ServiceAccount of its own, and " +
			"rolls out 10% of the nodes at a time. The DaemonSet is applied with server-side apply like " +
			"`kubedaemon_daemonset`, and create and update return only when every counted node runs a Ready pod of " +
			"the new revision. Its pods are selected by `app.kubernetes.io/name = <name>` and " +
			"`app.kubernetes.io/managed-by = kubedaemon`, so every change updates the DaemonSet in place.",
		Attributes: attributes,
	}
}

func nodeAgentAttributes() map[string]schema.Attribute {
	metadata := metadataAttribute()
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "`namespace/name` of the agent's DaemonSet.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"name": schema.StringAttribute{
			Required: true,
			MarkdownDescription: "Name of the agent: of its DaemonSet, its container, its ServiceAccount (unless " +
				"`service_account_name` says otherwise) and the value of the `app.kubernetes.io/name` label that selects " +
				"its pods. Lowercase letters, digits and '-', at most 63 characters. Changing it replaces the agent.",
			Validators:    []validator.String{ruleValidator{agentNameRule}},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		// The DaemonSet's own: same default, same replacement.
		"namespace": metadata.Attributes["namespace"],
		"labels": schema.MapAttribute{
			Optional:    true,
			ElementType: types.StringType,
			MarkdownDescription: "Labels of the DaemonSet, its pods and the ServiceAccount the agent creates. " +
				"`app.kubernetes.io/name` and `app.kubernetes.io/managed-by` are always set (they select the pods) and " +
				"cannot be given here.",
			Validators: []validator.Map{labelsValidator()},
		},
		"annotations": metadata.Attributes["annotations"],
		"pod_annotations": schema.MapAttribute{
			Optional:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Annotations of the agent's pods, e.g. `prometheus.io/scrape`. Changing them rolls the pods.",
			Validators:          []validator.Map{annotationsValidator()},
		},
		"image": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "Container image of the agent, e.g. `fluent/fluent-bit:3.2`.",
			Validators:          []validator.String{ruleValidator{daemonset.ImageRule}},
		},
		"image_pull_policy": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "`Always`, `IfNotPresent` or `Never`. Unset, Kubernetes decides: `Always` for a " +
				"`:latest` or untagged image, `IfNotPresent` otherwise.",
			Validators: []validator.String{ruleValidator{daemonset.PullPolicyRule}},
		},
		"command": schema.ListAttribute{
			Optional:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Entrypoint of the container. Unset, the image's `ENTRYPOINT` runs.",
		},
		"args": schema.ListAttribute{
			Optional:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Arguments to the entrypoint. Unset, the image's `CMD` is used.",
		},
		"env": schema.MapAttribute{
			Optional:    true,
			ElementType: types.StringType,
			MarkdownDescription: "Environment variables of the container, by name. They come after `NODE_NAME`, so " +
				"a value may use `$(NODE_NAME)`.",
			Validators: []validator.Map{mapvalidator.KeysAre(ruleValidator{daemonset.EnvNameRule})},
		},
		"inject_node_name": schema.BoolAttribute{
			Optional: true,
			Computed: true,
			Default:  booldefault.StaticBool(true),
			MarkdownDescription: "Set the environment variable `NODE_NAME` to the name of the node the pod runs on " +
				"(from `spec.nodeName`), which most agents need to label what they collect. Defaults to `true`; `env` " +
				"cannot set `NODE_NAME` then.",
		},
		"host_paths": schema.ListNestedAttribute{
			Optional: true,
			MarkdownDescription: "Directories or files of the node mounted into the container, each as a `hostPath` " +
				"volume named `host-path-<index>`.",
			NestedObject: schema.NestedAttributeObject{
				Attributes: map[string]schema.Attribute{
					"path": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "Absolute path on the node, e.g. `/var/log`.",
						Validators:          []validator.String{ruleValidator{daemonset.HostPathRule}},
					},
					"mount_path": schema.StringAttribute{
						Optional: true,
						Computed: true,
						MarkdownDescription: "Absolute path in the container. Defaults to `path`, e.g. `/host/proc` for " +
							"`/proc`. Mount paths must be unique.",
						Validators:    []validator.String{ruleValidator{daemonset.MountPathRule}},
						PlanModifiers: []planmodifier.String{defaultFromAttribute(fwpath.MatchRelative().AtParent().AtName("path"))},
					},
					"read_only": schema.BoolAttribute{
						Optional:            true,
						Computed:            true,
						Default:             booldefault.StaticBool(true),
						MarkdownDescription: "Mount read-only. Defaults to `true`: an agent that writes to the node says so.",
					},
					"type": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "What must exist at `path` before the pod starts: " + quotedList(daemonset.HostPathTypes) +
							". Unset, nothing is checked.",
						Validators: []validator.String{ruleValidator{daemonset.HostPathTypeRule}},
					},
				},
			},
		},
		"host_network": boolFalseByDefault("Run in the node's network namespace, e.g. to serve metrics on the node's " +
			"address. The pod then uses the `ClusterFirstWithHostNet` DNS policy, so cluster names still resolve."),
		"host_pid": boolFalseByDefault("Run in the node's PID namespace, to see the node's processes."),
		"privileged": boolFalseByDefault("Run the container privileged: every capability and every device of the " +
			"node, as storage daemons need."),
		"capabilities": schema.ListAttribute{
			Optional:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Linux capabilities added to the container, e.g. `SYS_PTRACE` or `NET_ADMIN`.",
			Validators: []validator.List{
				listvalidator.UniqueValues(),
				listvalidator.ValueStringsAre(ruleValidator{daemonset.CapabilityRule}),
			},
		},
		"tolerate_all_taints": schema.BoolAttribute{
			Optional: true,
			Computed: true,
			Default:  booldefault.StaticBool(true),
			MarkdownDescription: "Tolerate every taint (a toleration with operator `Exists`), so the agent also runs on " +
				"control-plane and dedicated nodes. Defaults to `true`. With `false`, only the tolerations the " +
				"DaemonSet controller adds to every daemon pod apply.",
		},
		"node_selector": schema.MapAttribute{
			Optional:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Run only on nodes with all these labels, e.g. `{ \"kubernetes.io/os\" = \"linux\" }`.",
			Validators:          []validator.Map{labelsValidator()},
		},
		"priority_class_name": schema.StringAttribute{
			Optional: true,
			Computed: true,
			Default:  stringdefault.StaticString(defaultPriorityClass),
			MarkdownDescription: "PriorityClass of the pods. Defaults to `" + defaultPriorityClass + "`, so the " +
				"scheduler makes room for the agent on a full node; `\"\"` sets none.",
			Validators: []validator.String{stringvalidator.Any(stringvalidator.OneOf(""), nameValidator())},
		},
		"resources": schema.SingleNestedAttribute{
			Optional: true,
			Computed: true,
			Default:  objectdefault.StaticValue(defaultResources()),
			MarkdownDescription: "CPU and memory requests and limits of the container, as Kubernetes quantities. " +
				"Defaults to requests of `" + defaultCPURequest + "` CPU and `" + defaultMemoryRequest + "` memory and " +
				"limits of `" + defaultCPULimit + "` CPU and `" + defaultMemoryLimit + "` memory; each can be set alone. " +
				"A request may not exceed its limit.",
			Attributes: map[string]schema.Attribute{
				"cpu_request":    quantityAttribute("CPU request", defaultCPURequest),
				"cpu_limit":      quantityAttribute("CPU limit", defaultCPULimit),
				"memory_request": quantityAttribute("Memory request", defaultMemoryRequest),
				"memory_limit":   quantityAttribute("Memory limit", defaultMemoryLimit),
			},
		},
		"ports": schema.ListNestedAttribute{
			Optional:            true,
			MarkdownDescription: "Ports the container listens on, e.g. a metrics port.",
			NestedObject: schema.NestedAttributeObject{
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Name of the port, e.g. `metrics`: at most 15 lowercase letters, digits and '-'.",
						Validators:          []validator.String{ruleValidator{daemonset.PortNameRule}},
					},
					"container_port": schema.Int64Attribute{
						Required:            true,
						MarkdownDescription: "Port number in the container, 1 to 65535.",
						Validators:          []validator.Int64{portValidator{}},
					},
					"host_port": schema.Int64Attribute{
						Optional: true,
						MarkdownDescription: "Port number on the node, 1 to 65535. Unset, the port is not exposed on the " +
							"node, except with `host_network`, where it is `container_port`.",
						Validators: []validator.Int64{portValidator{}},
					},
					"protocol": schema.StringAttribute{
						Optional:            true,
						Computed:            true,
						Default:             stringdefault.StaticString("TCP"),
						MarkdownDescription: "`TCP`, `UDP` or `SCTP`. Defaults to `TCP`.",
						Validators:          []validator.String{ruleValidator{daemonset.ProtocolRule}},
					},
				},
			},
		},
		"readiness_probe": schema.SingleNestedAttribute{
			Optional: true,
			MarkdownDescription: "When the container counts as Ready, and so covers its node: set exactly one of " +
				"`http_get` and `exec`. Unset, the container is Ready once it runs.",
			Attributes: map[string]schema.Attribute{
				"http_get": schema.SingleNestedAttribute{
					Optional:            true,
					MarkdownDescription: "Ready while an HTTP GET on the pod's address answers with a status from 200 to 399.",
					Attributes: map[string]schema.Attribute{
						"path": schema.StringAttribute{
							Optional:            true,
							Computed:            true,
							Default:             stringdefault.StaticString("/"),
							MarkdownDescription: "Path to request, e.g. `/healthz`. Defaults to `/`.",
						},
						"port": schema.Int64Attribute{
							Required:            true,
							MarkdownDescription: "Port to request, 1 to 65535.",
							Validators:          []validator.Int64{portValidator{}},
						},
					},
				},
				"exec": schema.SingleNestedAttribute{
					Optional:            true,
					MarkdownDescription: "Ready while a command run in the container exits with 0.",
					Attributes: map[string]schema.Attribute{
						"command": schema.ListAttribute{
							Required:            true,
							ElementType:         types.StringType,
							MarkdownDescription: "Command and arguments, run without a shell.",
						},
					},
				},
				"initial_delay_seconds": schema.Int64Attribute{
					Optional:            true,
					MarkdownDescription: "Seconds after the container starts before the first probe. Unset, Kubernetes' default of 0.",
					Validators:          []validator.Int64{int64validator.Between(0, 1<<31-1)},
				},
				"period_seconds": schema.Int64Attribute{
					Optional:            true,
					MarkdownDescription: "Seconds between probes. Unset, Kubernetes' default of 10.",
					Validators:          []validator.Int64{int64validator.Between(1, 1<<31-1)},
				},
			},
		},
		"create_service_account": schema.BoolAttribute{
			Optional: true,
			Computed: true,
			Default:  booldefault.StaticBool(true),
			MarkdownDescription: "Create the ServiceAccount the pods run as, named `service_account_name`, with the " +
				"agent's labels; it is deleted with the agent (kept with `delete_propagation = \"Orphan\"`, since the " +
				"orphaned pods still use it). Defaults to `true`. With `false`, `service_account_name` must name an " +
				"existing ServiceAccount.",
		},
		"service_account_name": schema.StringAttribute{
			Optional: true,
			Computed: true,
			MarkdownDescription: "ServiceAccount the pods run as. Defaults to the agent's `name`; required when " +
				"`create_service_account` is `false`.",
			Validators:    []validator.String{nameValidator()},
			PlanModifiers: []planmodifier.String{defaultFromAttribute(fwpath.MatchRoot("name"))},
		},
		"max_unavailable": schema.StringAttribute{
			Optional: true,
			Computed: true,
			Default:  stringdefault.StaticString(defaultMaxUnavailable),
			MarkdownDescription: "How many nodes may be without a Ready agent pod during a rollout: a number or a " +
				"percentage of the eligible nodes, rounded up. Defaults to `\"" + defaultMaxUnavailable + "\"`.",
			Validators: []validator.String{ruleValidator{daemonset.BudgetRule}},
		},
		"max_surge": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "How many nodes may run an old and a new agent pod at once during a rollout, so the new " +
				"pod starts before the old one stops: a number or a percentage. Unset, Kubernetes' default of 0. It " +
				"requires `max_unavailable = \"0\"` (a rollout either starts the new pod first or stops the old one " +
				"first), and cannot be used with a `host_port` or `host_network` ports, which the two pods cannot share.",
			Validators: []validator.String{ruleValidator{daemonset.BudgetRule}},
		},
		"daemonset_name": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "Name of the DaemonSet that runs the agent, e.g. for the `kubedaemon_coverage` data source.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
	}
}

func boolFalseByDefault(description string) schema.BoolAttribute {
	return schema.BoolAttribute{
		Optional:            true,
		Computed:            true,
		Default:             booldefault.StaticBool(false),
		MarkdownDescription: description + " Defaults to `false`.",
	}
}

func quantityAttribute(what, defaultValue string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional:            true,
		Computed:            true,
		CustomType:          kubeschema.QuantityType{},
		Default:             stringdefault.StaticString(defaultValue),
		MarkdownDescription: what + ", e.g. `" + defaultValue + "`. Defaults to `" + defaultValue + "`.",
	}
}

var resourcesAttrTypes = map[string]attr.Type{
	"cpu_request":    kubeschema.QuantityType{},
	"cpu_limit":      kubeschema.QuantityType{},
	"memory_request": kubeschema.QuantityType{},
	"memory_limit":   kubeschema.QuantityType{},
}

func defaultResources() types.Object {
	return types.ObjectValueMust(resourcesAttrTypes, map[string]attr.Value{
		"cpu_request":    kubeschema.NewQuantityValue(defaultCPURequest),
		"cpu_limit":      kubeschema.NewQuantityValue(defaultCPULimit),
		"memory_request": kubeschema.NewQuantityValue(defaultMemoryRequest),
		"memory_limit":   kubeschema.NewQuantityValue(defaultMemoryLimit),
	})
}

func quotedList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "`" + v + "`"
	}
	return strings.Join(quoted, ", ")
}

// agentNameRule is stricter than an object name: the name is also a container name and a label value.
var agentNameRule = daemonset.StringRule{
	What:     "node agent name",
	Expected: "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
	Check:    validation.IsDNS1123Label,
}
