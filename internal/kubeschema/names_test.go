package kubeschema

import "testing"

func TestAttributeName(t *testing.T) {
	cases := map[string]string{
		"name":                          "name",
		"hostPID":                       "host_pid",
		"hostIPC":                       "host_ipc",
		"hostNetwork":                   "host_network",
		"targetWWNs":                    "target_wwns",
		"seLinuxOptions":                "se_linux_options",
		"fsGroup":                       "fs_group",
		"podIPs":                        "pod_ips",
		"httpGet":                       "http_get",
		"volumeID":                      "volume_id",
		"diskURI":                       "disk_uri",
		"storagePolicyID":               "storage_policy_id",
		"terminationGracePeriodSeconds": "termination_grace_period_seconds",
		"requiredDuringSchedulingIgnoredDuringExecution": "required_during_scheduling_ignored_during_execution",
		"HTTPGet":      "http_get",
		"externalIPs":  "external_ips",
		"IPsOfNodes":   "ips_of_nodes",
		"ipv4Address":  "ipv4_address",
		"x509Cert":     "x509_cert",
		"wwids":        "wwids",
		"sizeLimit":    "size_limit",
		"maxSurge":     "max_surge",
		"gRPCService":  "g_rpc_service",
		"readOnly":     "read_only",
		"iscsi":        "iscsi",
		"clusterTrust": "cluster_trust",
	}
	for jsonName, want := range cases {
		if got := AttributeName(jsonName); got != want {
			t.Errorf("AttributeName(%q) = %q, want %q", jsonName, got, want)
		}
	}
}
