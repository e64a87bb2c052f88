// Command kcluster is one multi-call binary holding every process of the
// hermetic test cluster. One binary instead of five: linking a Kubernetes
// component costs minutes and gigabytes, so we link once.
//
//	kcluster pki --dir DIR
//	kcluster etcd --data-dir DIR --client-url URL --peer-url URL
//	kcluster kube-apiserver|kube-controller-manager|kube-scheduler [flags]
//	kcluster kwok [flags]            (stages are passed with --config)
//	kcluster kwok-stages             (prints KWOK's default fast stages)
//	kcluster kubectl [args]
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kcluster <pki|etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kwok|kwok-stages|kubectl|version> [args]")
		os.Exit(2)
	}
	name, args := os.Args[1], os.Args[2:]
	// Components read os.Args through cobra/pflag; make them see their own name.
	os.Args = append([]string{name}, args...)
	var code int
	switch name {
	case "pki":
		code = runPKI(args)
	case "etcd":
		code = runEtcd(args)
	case "kube-apiserver", "kube-controller-manager", "kube-scheduler":
		code = runComponent(name, args)
	case "kwok":
		code = runKwok(args)
	case "kwok-stages":
		code = printKwokStages()
	case "kubectl":
		code = runKubectl(args)
	case "version":
		fmt.Println(kubernetesVersion)
	default:
		fmt.Fprintf(os.Stderr, "kcluster: unknown command %q\n", name)
		code = 2
	}
	os.Exit(code)
}
