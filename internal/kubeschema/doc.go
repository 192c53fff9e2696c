// Package kubeschema derives Terraform schema attributes from Kubernetes API Go types by reflection,
// and converts values between the framework and the JSON form that Kubernetes types and client-go
// apply configurations read and write. A new Kubernetes version is then only a dependency bump.
//
// It knows no resource: callers pick the Go type (a DaemonSetSpec, a PodSpec, ...) and the Options.
package kubeschema
