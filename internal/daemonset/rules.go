package daemonset

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// StringRule is a rule about one string value, shared by Validate and by the attribute validators
// that apply it where an attribute holds exactly that value, so that a value is judged the same
// wherever it is written.
type StringRule struct {
	What     string // what the value is, e.g. "port name"
	Expected string // the form expected, with an example
	Check    func(string) []string
}

// Problem explains why value breaks the rule, or is empty when it does not.
func (r StringRule) Problem(value string) string {
	problems := r.Check(value)
	if len(problems) == 0 {
		return ""
	}
	return fmt.Sprintf("%q is not a valid %s: %s. Expected %s.", value, r.What, strings.Join(problems, "; "), r.Expected)
}

// Summary is the diagnostic summary of a broken rule.
func (r StringRule) Summary() string { return "Invalid " + r.What }

var (
	// ImageRule: the API server refuses only surrounding whitespace in an image, but the kubelet cannot
	// pull a reference with whitespace anywhere (InvalidImageName on every node).
	ImageRule = StringRule{
		What:     "container image",
		Expected: `an image reference without whitespace, e.g. "registry.k8s.io/pause:3.10"`,
		Check: func(s string) []string {
			if strings.TrimSpace(s) == "" {
				return []string{"it is empty"}
			}
			if strings.ContainsFunc(s, unicode.IsSpace) {
				return []string{"it contains whitespace"}
			}
			return nil
		},
	}
	// EnvNameRule is the API server's since RelaxedEnvironmentVariableValidation became the default.
	EnvNameRule = StringRule{
		What:     "environment variable name",
		Expected: "printable ASCII characters other than '=', e.g. LOG_LEVEL",
		Check:    validation.IsRelaxedEnvVarName,
	}
	PortNameRule = StringRule{
		What:     "port name",
		Expected: "at most 15 lowercase letters, digits and '-', with at least one letter, e.g. metrics",
		Check:    validation.IsValidPortName,
	}
	// HostPathRule: the API server refuses ".." elements; a relative path it accepts, but the kubelet
	// cannot mount it, so every pod of the rollout would fail.
	HostPathRule = StringRule{
		What:     "host path",
		Expected: `an absolute path without ".." elements, e.g. "/var/log"`,
		Check: func(s string) []string {
			var problems []string
			if !path.IsAbs(s) {
				problems = append(problems, "it is not absolute")
			}
			if slices.Contains(strings.Split(s, "/"), "..") {
				problems = append(problems, `it contains ".."`)
			}
			return problems
		},
	}
	// MountPathRule is the API server's (no ".."), with the kubelet's need for an absolute path.
	MountPathRule = StringRule{What: "mount path", Expected: HostPathRule.Expected, Check: HostPathRule.Check}
	// CapabilityRule: the API server takes any string, the container runtime only the Linux names,
	// written without the CAP_ prefix (CAP_SYS_ADMIN would become CAP_CAP_SYS_ADMIN).
	CapabilityRule = StringRule{
		What:     "Linux capability",
		Expected: `a capability name without the CAP_ prefix, e.g. "NET_ADMIN" or "SYS_PTRACE", or "ALL"`,
		Check: func(s string) []string {
			if name, ok := strings.CutPrefix(s, "CAP_"); ok && slices.Contains(linuxCapabilities, name) {
				return []string{fmt.Sprintf("write %q without the CAP_ prefix, which the container runtime adds", name)}
			}
			if s != "ALL" && !slices.Contains(linuxCapabilities, s) {
				return []string{"it is not a Linux capability"}
			}
			return nil
		},
	}
	// BudgetRule is a rolling update's maxUnavailable or maxSurge written as a string.
	BudgetRule = StringRule{
		What:     "number or percentage",
		Expected: `a whole number such as "1" or a percentage from "0%" to "100%"`,
		Check: func(s string) []string {
			m := budgetPattern.FindStringSubmatch(s)
			if m == nil {
				return []string{"it is neither a whole number nor a percentage"}
			}
			n, err := strconv.ParseInt(m[1], 10, 32)
			switch {
			case err != nil:
				return []string{"it is more than 2147483647"}
			case m[2] == "%" && n > 100:
				return []string{fmt.Sprintf("%d%% is more than 100%%", n)}
			}
			return nil
		},
	}
)

// The enumerations the node agent's attributes hold as they are.
var (
	PullPolicyRule   = enumRule("image pull policy", string(corev1.PullAlways), string(corev1.PullIfNotPresent), string(corev1.PullNever))
	ProtocolRule     = enumRule("port protocol", string(corev1.ProtocolTCP), string(corev1.ProtocolUDP), string(corev1.ProtocolSCTP))
	HostPathTypeRule = enumRule("host path type", HostPathTypes...)
)

// enumRule allows only the given values.
func enumRule(what string, allowed ...string) StringRule {
	return StringRule{What: what, Expected: "one of " + QuoteEach(allowed), Check: func(s string) []string {
		if slices.Contains(allowed, s) {
			return nil
		}
		return []string{"it is none of the values Kubernetes knows"}
	}}
}

var budgetPattern = regexp.MustCompile(`^(0|[1-9][0-9]*)(%?)$`)

// linuxCapabilities are the capability names of Linux 6.x (include/uapi/linux/capability.h).
var linuxCapabilities = []string{
	"AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "CHOWN",
	"DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE",
	"LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYSLOG", "SYS_ADMIN", "SYS_BOOT",
	"SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "WAKE_ALARM",
}

// check adds a finding at at when value breaks rule.
func (f *Findings) check(at Path, rule StringRule, value string) {
	if problem := rule.Problem(value); problem != "" {
		f.add(at, rule.Summary(), problem)
	}
}
