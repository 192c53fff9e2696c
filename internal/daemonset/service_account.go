package daemonset

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"
)

// The node agent's ServiceAccount, which its pods run under.

// ApplyServiceAccount server-side applies sa under fieldManager.
func ApplyServiceAccount(ctx context.Context, cs kubernetes.Interface, sa *corev1ac.ServiceAccountApplyConfiguration, fieldManager string, force bool) error {
	_, err := cs.CoreV1().ServiceAccounts(*sa.Namespace).Apply(ctx, sa, metav1.ApplyOptions{FieldManager: fieldManager, Force: force})
	return err
}

// GetServiceAccount reads a ServiceAccount; nil without an error when there is none.
func GetServiceAccount(ctx context.Context, cs kubernetes.Interface, namespace, name string) (*corev1.ServiceAccount, error) {
	sa, err := cs.CoreV1().ServiceAccounts(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return sa, err
}

// DeleteServiceAccount deletes a ServiceAccount; one already gone is success.
func DeleteServiceAccount(ctx context.Context, cs kubernetes.Interface, namespace, name string) error {
	err := cs.CoreV1().ServiceAccounts(namespace).Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
