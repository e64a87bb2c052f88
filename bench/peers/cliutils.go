package main

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"sigs.k8s.io/cli-utils/pkg/apply"
	"sigs.k8s.io/cli-utils/pkg/apply/event"
	"sigs.k8s.io/cli-utils/pkg/common"
	"sigs.k8s.io/cli-utils/pkg/inventory"
)

// inventoryIDLabel is cli-utils' label naming the inventory a ConfigMap holds.
const inventoryIDLabel = common.InventoryLabel

// runCliUtils applies as GitLab's agentk did before 2025 (its manifestops
// worker): apply.Applier with a ConfigMap inventory in the default namespace,
// server-side apply with ForceConflicts and field manager "agentk", GitLab's
// defaults for the rest (prune on, foreground propagation, inventory policy
// must_match). The reconcile and prune timeouts are --wait. cli-utils cannot
// skip its wait tasks (a timeout of 0 waits for ever), so --wait=0 gives them
// 1 ns: each ends at once, as our benchmark skips our step 7; the status
// watcher behind them (a list and a watch per resource type) still runs, as
// it is part of the applier.
func runCliUtils(ctx context.Context, o options, flags *genericclioptions.ConfigFlags, objs []*unstructured.Unstructured, r *result) error {
	factory := cmdutil.NewFactory(flags)
	invClient, err := inventory.ClusterClientFactory{StatusPolicy: inventory.StatusPolicyNone}.NewClient(factory)
	if err != nil {
		return fmt.Errorf("inventory client: %w", err)
	}
	applier, err := apply.NewApplierBuilder().WithFactory(factory).WithInventoryClient(invClient).Build()
	if err != nil {
		return fmt.Errorf("applier: %w", err)
	}
	inv := &unstructured.Unstructured{}
	inv.SetAPIVersion("v1")
	inv.SetKind("ConfigMap")
	inv.SetName("inventory-" + o.inventory)
	inv.SetNamespace(o.namespace)
	inv.SetLabels(map[string]string{inventoryIDLabel: o.inventory})
	timeout := o.wait
	if timeout == 0 {
		timeout = time.Nanosecond
	}
	events := applier.Run(ctx, inventory.WrapInventoryInfoObj(inv), objs, apply.ApplierOptions{
		ServerSideOptions:      common.ServerSideOptions{ServerSideApply: true, ForceConflicts: true, FieldManager: "agentk"},
		ReconcileTimeout:       timeout,
		EmitStatusEvents:       o.wait > 0,
		NoPrune:                !o.prune,
		PrunePropagationPolicy: metav1.DeletePropagationForeground,
		PruneTimeout:           timeout,
		InventoryPolicy:        inventory.PolicyMustMatch,
	})
	for e := range events {
		switch e.Type {
		case event.ErrorType:
			r.Errors = append(r.Errors, e.ErrorEvent.Err.Error())
		case event.ValidationType:
			r.Errors = append(r.Errors, e.ValidationEvent.String())
		case event.ApplyType:
			switch e.ApplyEvent.Status {
			case event.ApplySuccessful:
				r.Applied++
			case event.ApplyFailed, event.ApplySkipped:
				r.Errors = append(r.Errors, e.ApplyEvent.String())
			}
		case event.PruneType:
			switch e.PruneEvent.Status {
			case event.PruneSuccessful:
				r.Pruned++
			case event.PruneFailed, event.PruneSkipped:
				r.Errors = append(r.Errors, e.PruneEvent.String())
			}
		case event.WaitType:
			if s := e.WaitEvent.Status; o.wait > 0 && (s == event.ReconcileTimeout || s == event.ReconcileFailed) {
				r.Errors = append(r.Errors, e.WaitEvent.String())
			}
		}
	}
	return nil
}
