package main

import (
	_ "time/tzdata" // CronJob time zones, as upstream's main does

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
)

const kubernetesVersion = "v1.36.1"

func runComponent(name string, args []string) int {
	var command *cobra.Command
	switch name {
	case "kube-apiserver":
		command = apiserver.NewAPIServerCommand()
	case "kube-controller-manager":
		command = controllermanager.NewControllerManagerCommand()
	default:
		command = scheduler.NewSchedulerCommand()
	}
	command.SetArgs(args)
	return cli.Run(command)
}

func runKubectl(args []string) int {
	command := kubectlcmd.NewDefaultKubectlCommand()
	command.SetArgs(args)
	return cli.Run(command)
}
