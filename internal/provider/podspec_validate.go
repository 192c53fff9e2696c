package provider

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	corev1 "k8s.io/api/core/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The checks below mirror the API server's validation (k8s.io/kubernetes pkg/apis/core/validation),
// after its defaults, of a DaemonSet's pod template and of the pods the controller makes from it:
// what they refuse, the server would refuse at apply time, or in every pod of the rollout, after
// Terraform had planned the change. TestAccValidationTable_apiServerAgrees holds them to the server.

// validatePodSpec checks the pod spec of a DaemonSet's template, at is its attribute path.
func validatePodSpec(at path.Path, spec *corev1.PodSpec) diag.Diagnostics {
	var diags diag.Diagnostics
	if policy := spec.RestartPolicy; policy != "" && policy != corev1.RestartPolicyAlways {
		diags.AddAttributeError(at.AtName("restart_policy"), "Invalid restart policy",
			fmt.Sprintf("The pods of a DaemonSet always restart: restart_policy may only be %q (the default), got %q.",
				corev1.RestartPolicyAlways, policy))
	}
	if spec.ActiveDeadlineSeconds != nil {
		diags.AddAttributeError(at.AtName("active_deadline_seconds"), "Unsupported attribute",
			"active_deadline_seconds is not supported in a DaemonSet: its pods run until the DaemonSet replaces them.")
	}
	checkOneOf(&diags, at.AtName("dns_policy"), "DNS policy", string(spec.DNSPolicy),
		corev1.DNSClusterFirstWithHostNet, corev1.DNSClusterFirst, corev1.DNSDefault, corev1.DNSNone)
	volumes := checkVolumes(&diags, at.AtName("volumes"), spec.Volumes)
	checkTolerations(&diags, at.AtName("tolerations"), spec.Tolerations)

	if len(spec.Containers) == 0 {
		diags.AddAttributeError(at.AtName("containers"), "No containers",
			"spec.template.spec.containers must list at least one container with a name and an image.")
	}
	names := map[string]bool{}
	checkContainers(&diags, at.AtName("init_containers"), spec.InitContainers, volumes, names)
	checkContainers(&diags, at.AtName("containers"), spec.Containers, volumes, names)
	return diags
}

// checkContainers checks one list of containers; names collects the container names across lists,
// which must be unique in the pod.
func checkContainers(diags *diag.Diagnostics, at path.Path, containers []corev1.Container, volumes, names map[string]bool) {
	for i := range containers {
		c := &containers[i]
		ci := at.AtListIndex(i)
		if problems := validation.IsDNS1123Label(c.Name); len(problems) > 0 {
			diags.AddAttributeError(ci.AtName("name"), "Invalid container name",
				fmt.Sprintf("%q: %s. Expected lowercase letters, digits and '-', at most 63 characters.", c.Name, strings.Join(problems, "; ")))
		}
		if names[c.Name] {
			diags.AddAttributeError(ci.AtName("name"), "Duplicate container name",
				fmt.Sprintf("Container name %q is used twice; names must be unique across containers and init_containers.", c.Name))
		}
		names[c.Name] = true
		// A template may leave the image to an admission webhook; a pod may not, so the rollout would fail.
		switch trimmed := strings.TrimSpace(c.Image); {
		case trimmed == "":
			diags.AddAttributeError(ci.AtName("image"), "Missing image",
				"Every container needs an image, e.g. image = \"registry.k8s.io/pause:3.10\".")
		case trimmed != c.Image:
			diags.AddAttributeError(ci.AtName("image"), "Invalid image",
				fmt.Sprintf("%q has leading or trailing whitespace, which the API server refuses.", c.Image))
		}
		checkOneOf(diags, ci.AtName("image_pull_policy"), "image pull policy", string(c.ImagePullPolicy),
			corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever)
		checkPorts(diags, ci.AtName("ports"), c.Ports)
		checkProbe(diags, ci.AtName("liveness_probe"), c.LivenessProbe, true)
		checkProbe(diags, ci.AtName("readiness_probe"), c.ReadinessProbe, false)
		checkProbe(diags, ci.AtName("startup_probe"), c.StartupProbe, true)
		checkResources(diags, ci.AtName("resources"), c.Resources)
		checkVolumeMounts(diags, ci.AtName("volume_mounts"), c.VolumeMounts, volumes)
	}
}

func checkPorts(diags *diag.Diagnostics, at path.Path, ports []corev1.ContainerPort) {
	names := map[string]bool{}
	for i, port := range ports {
		pi := at.AtListIndex(i)
		if port.Name != "" {
			if problems := validation.IsValidPortName(port.Name); len(problems) > 0 {
				diags.AddAttributeError(pi.AtName("name"), "Invalid port name",
					fmt.Sprintf("%q: %s. Expected at most 15 lowercase letters, digits and '-', with at least one letter.",
						port.Name, strings.Join(problems, "; ")))
			} else if names[port.Name] {
				diags.AddAttributeError(pi.AtName("name"), "Duplicate port name",
					fmt.Sprintf("Port name %q is used twice in this container.", port.Name))
			}
			names[port.Name] = true
		}
		if port.ContainerPort == 0 {
			diags.AddAttributeError(pi.AtName("container_port"), "Missing container port",
				"Every port needs a container_port from 1 to 65535.")
		} else {
			checkPortNumber(diags, pi.AtName("container_port"), port.ContainerPort)
		}
		if port.HostPort != 0 {
			checkPortNumber(diags, pi.AtName("host_port"), port.HostPort)
		}
		checkOneOf(diags, pi.AtName("protocol"), "port protocol", string(port.Protocol),
			corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP)
	}
}

func checkPortNumber(diags *diag.Diagnostics, at path.Path, port int32) {
	if problems := validation.IsValidPortNum(int(port)); len(problems) > 0 {
		diags.AddAttributeError(at, "Invalid port", fmt.Sprintf("%d: %s.", port, strings.Join(problems, "; ")))
	}
}

// checkPortNumberOrName checks a probe's port: a number, or the name of one of the container's ports.
func checkPortNumberOrName(diags *diag.Diagnostics, at path.Path, port intstr.IntOrString) {
	if port.Type == intstr.Int {
		checkPortNumber(diags, at, port.IntVal)
		return
	}
	if problems := validation.IsValidPortName(port.StrVal); len(problems) > 0 {
		diags.AddAttributeError(at, "Invalid port",
			fmt.Sprintf("%q is neither a port number nor a valid port name: %s.", port.StrVal, strings.Join(problems, "; ")))
	}
}

// checkProbe checks a liveness, readiness or startup probe; the API server requires liveness and
// startup probes to succeed once to count as passed.
func checkProbe(diags *diag.Diagnostics, at path.Path, probe *corev1.Probe, singleSuccess bool) {
	if probe == nil {
		return
	}
	var handlers []string
	if probe.Exec != nil {
		handlers = append(handlers, "exec")
		if len(probe.Exec.Command) == 0 {
			diags.AddAttributeError(at.AtName("exec").AtName("command"), "Missing probe command",
				"An exec probe needs a command, e.g. command = [\"cat\", \"/tmp/healthy\"].")
		}
	}
	if probe.HTTPGet != nil {
		handlers = append(handlers, "http_get")
		checkPortNumberOrName(diags, at.AtName("http_get").AtName("port"), probe.HTTPGet.Port)
		checkOneOf(diags, at.AtName("http_get").AtName("scheme"), "probe scheme", string(probe.HTTPGet.Scheme),
			corev1.URISchemeHTTP, corev1.URISchemeHTTPS)
	}
	if probe.TCPSocket != nil {
		handlers = append(handlers, "tcp_socket")
		checkPortNumberOrName(diags, at.AtName("tcp_socket").AtName("port"), probe.TCPSocket.Port)
	}
	if probe.GRPC != nil {
		handlers = append(handlers, "grpc")
		checkPortNumber(diags, at.AtName("grpc").AtName("port"), probe.GRPC.Port)
	}
	if len(handlers) != 1 {
		set := "sets none"
		if len(handlers) > 1 {
			set = "sets " + strings.Join(handlers, " and ")
		}
		diags.AddAttributeError(at, "Invalid probe",
			fmt.Sprintf("A probe takes exactly one of exec, http_get, tcp_socket or grpc; this one %s.", set))
	}
	for _, setting := range []struct {
		name  string
		value int32
	}{
		{"initial_delay_seconds", probe.InitialDelaySeconds},
		{"timeout_seconds", probe.TimeoutSeconds},
		{"period_seconds", probe.PeriodSeconds},
		{"success_threshold", probe.SuccessThreshold},
		{"failure_threshold", probe.FailureThreshold},
	} {
		checkNotNegative(diags, at.AtName(setting.name), int64(setting.value))
	}
	if singleSuccess && probe.SuccessThreshold > 1 {
		diags.AddAttributeError(at.AtName("success_threshold"), "Invalid probe setting",
			fmt.Sprintf("success_threshold must be 1 for liveness and startup probes, got %d.", probe.SuccessThreshold))
	}
	if grace := probe.TerminationGracePeriodSeconds; grace != nil && *grace <= 0 {
		diags.AddAttributeError(at.AtName("termination_grace_period_seconds"), "Invalid probe setting",
			fmt.Sprintf("termination_grace_period_seconds must be greater than 0, got %d.", *grace))
	}
}

// checkResources refuses negative quantities and a request above its limit.
func checkResources(diags *diag.Diagnostics, at path.Path, resources corev1.ResourceRequirements) {
	for _, list := range []struct {
		name   string
		values corev1.ResourceList
	}{{"limits", resources.Limits}, {"requests", resources.Requests}} {
		for _, name := range slices.Sorted(maps.Keys(list.values)) {
			if quantity := list.values[name]; quantity.Sign() < 0 {
				diags.AddAttributeError(at.AtName(list.name).AtMapKey(string(name)), "Invalid resource quantity",
					fmt.Sprintf("%s %s is negative; resource quantities must be 0 or more.", name, quantity.String()))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(resources.Requests)) {
		request := resources.Requests[name]
		if limit, ok := resources.Limits[name]; ok && request.Cmp(limit) > 0 {
			diags.AddAttributeError(at.AtName("requests").AtMapKey(string(name)), "Resource request exceeds its limit",
				fmt.Sprintf("The %s request %s is more than its limit %s; a request must be at most the limit.",
					name, request.String(), limit.String()))
		}
	}
}

// checkVolumes checks the pod's volumes and returns their names, which the mounts refer to.
func checkVolumes(diags *diag.Diagnostics, at path.Path, volumes []corev1.Volume) map[string]bool {
	names := map[string]bool{}
	for i, volume := range volumes {
		vi := at.AtListIndex(i)
		if problems := validation.IsDNS1123Label(volume.Name); len(problems) > 0 {
			diags.AddAttributeError(vi.AtName("name"), "Invalid volume name",
				fmt.Sprintf("%q: %s. Expected lowercase letters, digits and '-', at most 63 characters.", volume.Name, strings.Join(problems, "; ")))
		} else if names[volume.Name] {
			diags.AddAttributeError(vi.AtName("name"), "Duplicate volume name",
				fmt.Sprintf("Volume name %q is used twice; volume names must be unique in the pod.", volume.Name))
		}
		names[volume.Name] = true
		if hostPath := volume.HostPath; hostPath != nil {
			checkHostPath(diags, vi.AtName("host_path"), hostPath)
		}
	}
	return names
}

func checkHostPath(diags *diag.Diagnostics, at path.Path, hostPath *corev1.HostPathVolumeSource) {
	switch {
	case hostPath.Path == "":
		diags.AddAttributeError(at.AtName("path"), "Missing host path",
			"host_path needs the path of a file or directory on the node, e.g. path = \"/var/log\".")
	case slices.Contains(strings.Split(filepath.ToSlash(hostPath.Path), "/"), ".."):
		diags.AddAttributeError(at.AtName("path"), "Invalid host path",
			fmt.Sprintf("%q contains a \"..\" element, which the API server refuses.", hostPath.Path))
	}
	if hostPath.Type != nil {
		checkOneOf(diags, at.AtName("type"), "host path type", string(*hostPath.Type),
			corev1.HostPathDirectoryOrCreate, corev1.HostPathDirectory, corev1.HostPathFileOrCreate, corev1.HostPathFile,
			corev1.HostPathSocket, corev1.HostPathCharDev, corev1.HostPathBlockDev)
	}
}

func checkVolumeMounts(diags *diag.Diagnostics, at path.Path, mounts []corev1.VolumeMount, volumes map[string]bool) {
	for i, mount := range mounts {
		mi := at.AtListIndex(i)
		if !volumes[mount.Name] {
			diags.AddAttributeError(mi.AtName("name"), "Unknown volume",
				fmt.Sprintf("The mount names volume %q, which spec.template.spec.volumes does not define (it defines: %s).",
					mount.Name, quoteEach(slices.Sorted(maps.Keys(volumes)))))
		}
		if mount.MountPath == "" {
			diags.AddAttributeError(mi.AtName("mount_path"), "Missing mount path",
				"A volume mount needs the path in the container to mount at, e.g. mount_path = \"/var/log\".")
		}
	}
}

// checkTolerations applies the API server's rules for tolerations, which let a pod onto tainted nodes.
func checkTolerations(diags *diag.Diagnostics, at path.Path, tolerations []corev1.Toleration) {
	for i, toleration := range tolerations {
		ti := at.AtListIndex(i)
		if toleration.Key != "" {
			for _, err := range metav1validation.ValidateLabelName(toleration.Key, field.NewPath("key")) {
				diags.AddAttributeError(ti.AtName("key"), "Invalid toleration",
					fmt.Sprintf("Key %q: %s. Taint keys follow the rules of label keys.", toleration.Key, err.ErrorBody()))
			}
		}
		if toleration.Key == "" && toleration.Operator != corev1.TolerationOpExists {
			diags.AddAttributeError(ti.AtName("operator"), "Invalid toleration",
				"A toleration without a key matches every taint, so its operator must be \"Exists\".")
		}
		switch toleration.Operator {
		case "", corev1.TolerationOpEqual:
			if problems := validation.IsValidLabelValue(toleration.Value); len(problems) > 0 {
				diags.AddAttributeError(ti.AtName("value"), "Invalid toleration",
					fmt.Sprintf("Value %q: %s. Taint values follow the rules of label values.", toleration.Value, strings.Join(problems, "; ")))
			}
		case corev1.TolerationOpExists:
			if toleration.Value != "" {
				diags.AddAttributeError(ti.AtName("value"), "Invalid toleration",
					fmt.Sprintf("value must be empty when operator is \"Exists\", got %q.", toleration.Value))
			}
		case corev1.TolerationOpLt, corev1.TolerationOpGt:
			// Numeric comparisons depend on a feature gate of the cluster: the API server judges them.
		default:
			diags.AddAttributeError(ti.AtName("operator"), "Invalid toleration",
				fmt.Sprintf("%q is not a toleration operator: expected \"Equal\" (the default) or \"Exists\".", toleration.Operator))
		}
		if toleration.TolerationSeconds != nil && toleration.Effect != corev1.TaintEffectNoExecute {
			diags.AddAttributeError(ti.AtName("effect"), "Invalid toleration",
				"toleration_seconds applies only to the NoExecute effect: set effect = \"NoExecute\" or remove toleration_seconds.")
		}
		checkOneOf(diags, ti.AtName("effect"), "taint effect", string(toleration.Effect),
			corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute)
	}
}

// checkOneOf refuses a set value outside the allowed ones; empty means unset, which the API server defaults.
func checkOneOf[T ~string](diags *diag.Diagnostics, at path.Path, what, value string, allowed ...T) {
	if value == "" || slices.Contains(allowed, T(value)) {
		return
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	diags.AddAttributeError(at, "Invalid "+what,
		fmt.Sprintf("%q is not a valid %s: expected one of %s.", value, what, quoteEach(names)))
}

func checkNotNegative(diags *diag.Diagnostics, at path.Path, value int64) {
	if value < 0 {
		diags.AddAttributeError(at, "Invalid number", fmt.Sprintf("Must be 0 or more, got %d.", value))
	}
}

func quoteEach(values []string) string {
	if len(values) == 0 {
		return "none"
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(quoted, ", ")
}
