package daemonset

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// podSpec checks the pod spec of the DaemonSet's template.
func (f *Findings) podSpec(at Path, spec *corev1.PodSpec) {
	if policy := spec.RestartPolicy; policy != "" && policy != corev1.RestartPolicyAlways {
		f.add(at.Child("restartPolicy"), "Invalid restart policy",
			fmt.Sprintf("The pods of a DaemonSet always restart: restart_policy may only be %q (the default), got %q.",
				corev1.RestartPolicyAlways, policy))
	}
	if spec.ActiveDeadlineSeconds != nil {
		f.add(at.Child("activeDeadlineSeconds"), "Unsupported attribute",
			"active_deadline_seconds is not supported in a DaemonSet: its pods run until the DaemonSet replaces them.")
	}
	oneOf(f, at.Child("dnsPolicy"), "DNS policy", string(spec.DNSPolicy),
		corev1.DNSClusterFirstWithHostNet, corev1.DNSClusterFirst, corev1.DNSDefault, corev1.DNSNone)
	volumes := f.volumes(at.Child("volumes"), spec.Volumes)
	f.tolerations(at.Child("tolerations"), spec.Tolerations)

	if len(spec.Containers) == 0 {
		f.add(at.Child("containers"), "No containers", "The pod template must list at least one container with a name and an image.")
	}
	c := containerCheck{volumes: volumes, names: map[string]bool{}, hostPorts: map[string]Path{}, hostNetwork: spec.HostNetwork}
	f.containers(&c, at.Child("initContainers"), spec.InitContainers)
	f.containers(&c, at.Child("containers"), spec.Containers)
}

// volumes checks the pod's volumes and returns their names, which the mounts refer to.
func (f *Findings) volumes(at Path, volumes []corev1.Volume) map[string]bool {
	names := map[string]bool{}
	for i, volume := range volumes {
		vi := at.Index(i)
		if problems := validation.IsDNS1123Label(volume.Name); len(problems) > 0 {
			f.add(vi.Child("name"), "Invalid volume name",
				fmt.Sprintf("%q: %s. Expected lowercase letters, digits and '-', at most 63 characters.", volume.Name, strings.Join(problems, "; ")))
		} else if names[volume.Name] {
			f.add(vi.Child("name"), "Duplicate volume name",
				fmt.Sprintf("Volume name %q is used twice; volume names must be unique in the pod.", volume.Name))
		}
		names[volume.Name] = true
		if hostPath := volume.HostPath; hostPath != nil {
			f.hostPath(vi.Child("hostPath"), hostPath)
		}
	}
	return names
}

func (f *Findings) hostPath(at Path, hostPath *corev1.HostPathVolumeSource) {
	if hostPath.Path == "" {
		f.add(at.Child("path"), "Missing host path", "A host path volume needs the path of a file or directory on the node, e.g. \"/var/log\".")
	} else {
		f.check(at.Child("path"), HostPathRule, hostPath.Path)
	}
	if hostPath.Type != nil {
		f.enum(at.Child("type"), HostPathTypeRule, string(*hostPath.Type))
	}
}

// HostPathTypes are the types a host path volume may check for; empty checks nothing.
var HostPathTypes = []string{
	string(corev1.HostPathDirectoryOrCreate), string(corev1.HostPathDirectory), string(corev1.HostPathFileOrCreate),
	string(corev1.HostPathFile), string(corev1.HostPathSocket), string(corev1.HostPathCharDev), string(corev1.HostPathBlockDev),
}

// tolerations applies the API server's rules for tolerations, which let a pod onto tainted nodes.
func (f *Findings) tolerations(at Path, tolerations []corev1.Toleration) {
	for i, toleration := range tolerations {
		ti := at.Index(i)
		if toleration.Key != "" {
			for _, err := range metav1validation.ValidateLabelName(toleration.Key, field.NewPath("key")) {
				f.add(ti.Child("key"), "Invalid toleration",
					fmt.Sprintf("Key %q: %s. Taint keys follow the rules of label keys.", toleration.Key, err.ErrorBody()))
			}
		}
		if toleration.Key == "" && toleration.Operator != corev1.TolerationOpExists {
			f.add(ti.Child("operator"), "Invalid toleration",
				"A toleration without a key matches every taint, so its operator must be \"Exists\".")
		}
		switch toleration.Operator {
		case "", corev1.TolerationOpEqual:
			if problems := validation.IsValidLabelValue(toleration.Value); len(problems) > 0 {
				f.add(ti.Child("value"), "Invalid toleration",
					fmt.Sprintf("Value %q: %s. Taint values follow the rules of label values.", toleration.Value, strings.Join(problems, "; ")))
			}
		case corev1.TolerationOpExists:
			if toleration.Value != "" {
				f.add(ti.Child("value"), "Invalid toleration",
					fmt.Sprintf("value must be empty when operator is \"Exists\", got %q.", toleration.Value))
			}
		case corev1.TolerationOpLt, corev1.TolerationOpGt:
			// Numeric comparisons depend on a feature gate of the cluster: the API server judges them.
		default:
			f.add(ti.Child("operator"), "Invalid toleration",
				fmt.Sprintf("%q is not a toleration operator: expected \"Equal\" (the default) or \"Exists\".", toleration.Operator))
		}
		if toleration.TolerationSeconds != nil && toleration.Effect != corev1.TaintEffectNoExecute {
			f.add(ti.Child("effect"), "Invalid toleration",
				"toleration_seconds applies only to the NoExecute effect: set effect = \"NoExecute\" or remove toleration_seconds.")
		}
		oneOf(f, ti.Child("effect"), "taint effect", string(toleration.Effect),
			corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute)
	}
}
