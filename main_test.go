package main

import (
	"os"
	"strings"
	"testing"
)

var sdkLogVariables = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}

// unsetLogVariables clears every TF_LOG variable for the test; t.Setenv restores them after it.
func unsetLogVariables(t *testing.T) {
	names := sdkLogVariables
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "TF_LOG") {
			names = append(names, name)
		}
	}
	for _, name := range names {
		t.Setenv(name, "")
		if err := os.Unsetenv(name); err != nil {
			t.Fatal(err)
		}
	}
}

func TestQuietSDKLogsUnlessAsked(t *testing.T) {
	t.Run("no TF_LOG variable", func(t *testing.T) {
		unsetLogVariables(t)
		quietSDKLogsUnlessAsked()
		for _, name := range sdkLogVariables {
			if got := os.Getenv(name); got != "off" {
				t.Errorf("%s = %q, want off", name, got)
			}
		}
	})
	t.Run("TF_LOG_PROVIDER set", func(t *testing.T) {
		unsetLogVariables(t)
		t.Setenv("TF_LOG_PROVIDER", "debug")
		quietSDKLogsUnlessAsked()
		for _, name := range sdkLogVariables {
			if value, set := os.LookupEnv(name); set {
				t.Errorf("%s = %q, want it unset: the user asked for logs", name, value)
			}
		}
	})
}
