package daemonset

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// containerCheck carries what the rules compare across the pod's containers.
type containerCheck struct {
	volumes     map[string]bool // names of the pod's volumes, which mounts refer to
	names       map[string]bool // container names, unique across containers and init containers
	hostPorts   map[string]Path // host port and protocol, unique in the pod: where each is first bound
	hostNetwork bool
}

func (f *Findings) containers(c *containerCheck, at Path, containers []corev1.Container) {
	for i := range containers {
		container := &containers[i]
		ci := at.Index(i)
		if problems := validation.IsDNS1123Label(container.Name); len(problems) > 0 {
			f.add(ci.Child("name"), "Invalid container name",
				fmt.Sprintf("%q: %s. Expected lowercase letters, digits and '-', at most 63 characters.", container.Name, strings.Join(problems, "; ")))
		}
		if c.names[container.Name] {
			f.add(ci.Child("name"), "Duplicate container name",
				fmt.Sprintf("Container name %q is used twice; names must be unique across containers and init_containers.", container.Name))
		}
		c.names[container.Name] = true
		// A template may leave the image to an admission webhook; a pod may not, so the rollout would fail.
		f.check(ci.Child("image"), ImageRule, container.Image)
		f.enum(ci.Child("imagePullPolicy"), PullPolicyRule, string(container.ImagePullPolicy))
		for j, env := range container.Env {
			f.check(ci.Child("env").Index(j).Child("name"), EnvNameRule, env.Name)
		}
		f.ports(c, ci.Child("ports"), container.Ports)
		f.probe(ci.Child("livenessProbe"), container.LivenessProbe, true)
		f.probe(ci.Child("readinessProbe"), container.ReadinessProbe, false)
		f.probe(ci.Child("startupProbe"), container.StartupProbe, true)
		f.resources(ci.Child("resources"), container.Resources)
		f.volumeMounts(ci.Child("volumeMounts"), container.VolumeMounts, c.volumes)
		if sc := container.SecurityContext; sc != nil && sc.Capabilities != nil {
			at := ci.Child("securityContext").Child("capabilities")
			for _, list := range []struct {
				field string
				names []corev1.Capability
			}{{"add", sc.Capabilities.Add}, {"drop", sc.Capabilities.Drop}} {
				for k, name := range list.names {
					f.check(at.Child(list.field).Index(k), CapabilityRule, string(name))
				}
			}
		}
	}
}

func (f *Findings) ports(c *containerCheck, at Path, ports []corev1.ContainerPort) {
	names, numbers := map[string]int{}, map[string]int{}
	for i, port := range ports {
		pi := at.Index(i)
		if port.Name != "" {
			if first, dup := names[port.Name]; dup {
				f.add(pi.Child("name"), "Duplicate port name",
					fmt.Sprintf("Port name %q is given to two ports of the container; port names must be unique.", port.Name), at.Index(first).Child("name"))
			} else {
				f.check(pi.Child("name"), PortNameRule, port.Name)
			}
			names[port.Name] = i
		}
		protocol := port.Protocol
		if protocol == "" {
			protocol = corev1.ProtocolTCP
		}
		if port.ContainerPort == 0 {
			f.add(pi.Child("containerPort"), "Missing container port", "Every port needs a container_port from 1 to 65535.")
		} else if f.portNumber(pi.Child("containerPort"), port.ContainerPort) {
			key := fmt.Sprintf("%d/%s", port.ContainerPort, protocol)
			if first, dup := numbers[key]; dup {
				f.add(pi.Child("containerPort"), "Duplicate port", fmt.Sprintf("Port %s is declared twice in the container.", key),
					at.Index(first).Child("containerPort"))
			}
			numbers[key] = i
		}
		if port.HostPort != 0 {
			f.portNumber(pi.Child("hostPort"), port.HostPort)
			if c.hostNetwork && port.HostPort != port.ContainerPort {
				f.add(pi.Child("hostPort"), "Host port differs from the container port",
					"With host networking the container listens on the node itself, so host_port must equal container_port or be left unset.",
					pi.Child("containerPort"), podSpecPath.Child("hostNetwork"))
			}
		}
		f.enum(pi.Child("protocol"), ProtocolRule, string(port.Protocol))
		if bound := hostPortOf(port, c.hostNetwork); bound != 0 {
			key := fmt.Sprintf("%d/%s", bound, protocol)
			if first, dup := c.hostPorts[key]; dup {
				f.add(pi.Child("hostPort"), "Duplicate host port",
					fmt.Sprintf("Node port %s is bound twice in the pod; the API server refuses it.", key), first)
			} else {
				c.hostPorts[key] = pi.Child("hostPort")
			}
		}
	}
}

// portNumber checks a port number and reports whether it is valid.
func (f *Findings) portNumber(at Path, port int32) bool {
	if problem := PortNumberProblem(int64(port)); problem != "" {
		f.add(at, PortNumberSummary, problem)
		return false
	}
	return true
}

// PortNumberSummary and PortNumberProblem are the rule for a port number, also applied to the
// attributes that hold one, before it is narrowed to the API's 32 bits.
const PortNumberSummary = "Invalid port"

func PortNumberProblem(port int64) string {
	if port < 1 || port > 65535 {
		return fmt.Sprintf("%d: must be between 1 and 65535, inclusive.", port)
	}
	return ""
}

// portNumberOrName checks a probe's port: a number, or the name of one of the container's ports.
func (f *Findings) portNumberOrName(at Path, port intstr.IntOrString) {
	if port.Type == intstr.Int {
		f.portNumber(at, port.IntVal)
		return
	}
	if problems := validation.IsValidPortName(port.StrVal); len(problems) > 0 {
		f.add(at, "Invalid port",
			fmt.Sprintf("%q is neither a port number nor a valid port name: %s.", port.StrVal, strings.Join(problems, "; ")))
	}
}

// probe checks a liveness, readiness or startup probe; the API server requires liveness and
// startup probes to succeed once to count as passed.
func (f *Findings) probe(at Path, probe *corev1.Probe, singleSuccess bool) {
	if probe == nil {
		return
	}
	var handlers []string
	if probe.Exec != nil {
		handlers = append(handlers, "exec")
		if len(probe.Exec.Command) == 0 {
			f.add(at.Child("exec").Child("command"), "Missing probe command",
				"An exec probe needs a command, e.g. command = [\"cat\", \"/tmp/healthy\"].")
		}
	}
	if probe.HTTPGet != nil {
		handlers = append(handlers, "http_get")
		f.portNumberOrName(at.Child("httpGet").Child("port"), probe.HTTPGet.Port)
		oneOf(f, at.Child("httpGet").Child("scheme"), "probe scheme", string(probe.HTTPGet.Scheme), corev1.URISchemeHTTP, corev1.URISchemeHTTPS)
	}
	if probe.TCPSocket != nil {
		handlers = append(handlers, "tcp_socket")
		f.portNumberOrName(at.Child("tcpSocket").Child("port"), probe.TCPSocket.Port)
	}
	if probe.GRPC != nil {
		handlers = append(handlers, "grpc")
		f.portNumber(at.Child("grpc").Child("port"), probe.GRPC.Port)
	}
	if len(handlers) != 1 {
		set := "sets none"
		if len(handlers) > 1 {
			set = "sets " + strings.Join(handlers, " and ")
		}
		f.add(at, "Invalid probe", fmt.Sprintf("A probe takes exactly one handler; this one %s.", set))
	}
	for _, setting := range []struct {
		field, name string
		value       int32
	}{
		{"initialDelaySeconds", "initial_delay_seconds", probe.InitialDelaySeconds},
		{"timeoutSeconds", "timeout_seconds", probe.TimeoutSeconds},
		{"periodSeconds", "period_seconds", probe.PeriodSeconds},
		{"successThreshold", "success_threshold", probe.SuccessThreshold},
		{"failureThreshold", "failure_threshold", probe.FailureThreshold},
	} {
		f.notNegative(at.Child(setting.field), setting.name, int64(setting.value))
	}
	if singleSuccess && probe.SuccessThreshold > 1 {
		f.add(at.Child("successThreshold"), "Invalid probe setting",
			fmt.Sprintf("success_threshold must be 1 for liveness and startup probes, got %d.", probe.SuccessThreshold))
	}
	if grace := probe.TerminationGracePeriodSeconds; grace != nil && *grace <= 0 {
		f.add(at.Child("terminationGracePeriodSeconds"), "Invalid probe setting",
			fmt.Sprintf("termination_grace_period_seconds must be greater than 0, got %d.", *grace))
	}
}

// resources refuses negative quantities and a request above its limit.
func (f *Findings) resources(at Path, resources corev1.ResourceRequirements) {
	for _, list := range []struct {
		field  string
		values corev1.ResourceList
	}{{"limits", resources.Limits}, {"requests", resources.Requests}} {
		for _, name := range sortedKeys(list.values) {
			if quantity := list.values[corev1.ResourceName(name)]; quantity.Sign() < 0 {
				f.add(at.Child(list.field).Key(name), "Invalid resource quantity",
					fmt.Sprintf("%s %s is negative; resource quantities must be 0 or more.", name, quantity.String()))
			}
		}
	}
	for _, name := range sortedKeys(resources.Requests) {
		request := resources.Requests[corev1.ResourceName(name)]
		if limit, ok := resources.Limits[corev1.ResourceName(name)]; ok && request.Cmp(limit) > 0 {
			f.add(at.Child("requests").Key(name), "Resource request exceeds its limit",
				fmt.Sprintf("The %s request %s is more than its limit %s; a request must be at most the limit.",
					name, request.String(), limit.String()), at.Child("limits").Key(name))
		}
	}
}

func (f *Findings) volumeMounts(at Path, mounts []corev1.VolumeMount, volumes map[string]bool) {
	mountedAt := map[string]int{}
	for i, mount := range mounts {
		mi := at.Index(i)
		if !volumes[mount.Name] {
			f.add(mi.Child("name"), "Unknown volume",
				fmt.Sprintf("The mount names volume %q, which the pod does not define (it defines: %s).",
					mount.Name, QuoteEach(sortedKeys(volumes))), podSpecPath.Child("volumes"))
		}
		if mount.MountPath == "" {
			f.add(mi.Child("mountPath"), "Missing mount path",
				"A volume mount needs the path in the container to mount at, e.g. mount_path = \"/var/log\".")
			continue
		}
		f.check(mi.Child("mountPath"), MountPathRule, mount.MountPath)
		if first, dup := mountedAt[mount.MountPath]; dup {
			f.add(mi.Child("mountPath"), "Duplicate mount path",
				fmt.Sprintf("Two volumes are mounted at %s; mount paths must be unique in a container.", mount.MountPath),
				at.Index(first).Child("mountPath"))
		}
		mountedAt[mount.MountPath] = i
	}
}
