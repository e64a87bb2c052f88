// Command peers applies a directory of manifests the way the engines our
// applier is compared with do: GitLab agentk's cli-utils applier and Flux
// kustomize-controller's fluxcd/pkg/ssa ResourceManager. It prints one JSON
// line with counts, wall time and its own CPU and peak RSS (getrusage).
//
//	peers --engine cli-utils|flux-ssa --kubeconfig F --dir D --namespace NS --inventory ID [--prune] [--wait 0s]
//	peers --engine ... --discover-only   (warms the discovery cache; applies nothing)
//	peers exec -- kubectl apply ...     (runs a command; prints its wall time, CPU and peak RSS)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

type options struct {
	engine, kubeconfig, dir, namespace, inventory, cacheDir string
	prune, discoverOnly                                     bool
	wait                                                    time.Duration
	qps                                                     float64
	burst, concurrency                                      int
}

// result is the one JSON line the benchmark reads.
type result struct {
	Engine    string   `json:"engine"`
	Objects   int      `json:"objects"`
	Applied   int      `json:"applied"`
	Unchanged int      `json:"unchanged"`
	Pruned    int      `json:"pruned"`
	Errors    []string `json:"errors"`
	WallMs    float64  `json:"wallMs"`
	CPUUserS  float64  `json:"cpuUserS"`
	CPUSysS   float64  `json:"cpuSysS"`
	MaxRSSKiB int64    `json:"maxRssKiB"`
}

type engine func(ctx context.Context, o options, flags *genericclioptions.ConfigFlags, objs []*unstructured.Unstructured, r *result) error

var engines = map[string]engine{"cli-utils": runCliUtils, "flux-ssa": runFluxSSA}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "exec" {
		args := os.Args[2:]
		if len(args) > 0 && args[0] == "--" {
			args = args[1:]
		}
		os.Exit(runExec(args))
	}
	var o options
	flag.StringVar(&o.engine, "engine", "", "cli-utils (GitLab agentk's applier) or flux-ssa (kustomize-controller's ResourceManager)")
	flag.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig of the identity to apply as")
	flag.StringVar(&o.dir, "dir", "", "directory of .yaml/.yml/.json manifests (not recursive)")
	flag.StringVar(&o.namespace, "namespace", "", "namespace for namespaced objects that name none")
	flag.StringVar(&o.inventory, "inventory", "", "cli-utils: inventory id (ConfigMap inventory-<id> in --namespace); flux-ssa: path of the inventory state file")
	flag.StringVar(&o.cacheDir, "cache-dir", "", "discovery cache directory (default: kubectl's, ~/.kube/cache)")
	flag.BoolVar(&o.prune, "prune", false, "delete objects of the previous inventory that are no longer in --dir")
	flag.BoolVar(&o.discoverOnly, "discover-only", false, "resolve the objects' kinds (warms the discovery cache) and exit")
	flag.DurationVar(&o.wait, "wait", 0, "wait up to this long for the objects to become Current, as the tool does (0: no wait)")
	flag.Float64Var(&o.qps, "qps", -1, "client-side rate limit (client-go QPS); -1: none, as Flux's runtime client sets when the apiserver has priority and fairness")
	flag.IntVar(&o.burst, "burst", -1, "client-side burst (client-go Burst); -1: none")
	flag.IntVar(&o.concurrency, "concurrency", 4, "flux-ssa: objects checked at once (kustomize-controller's --concurrent-ssa default)")
	klog.InitFlags(nil) // -v=N: client-go and cli-utils logs on stderr, to see where time goes
	flag.Parse()
	if err := validate(o); err != nil {
		fmt.Fprintf(os.Stderr, "peers: %v\n", err)
		flag.Usage()
		os.Exit(2)
	}
	start := time.Now()
	r := result{Engine: o.engine, Errors: []string{}}
	if err := run(o, &r); err != nil {
		r.Errors = append(r.Errors, err.Error())
	}
	r.WallMs = float64(time.Since(start).Microseconds()) / 1000
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		r.CPUUserS = float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6
		r.CPUSysS = float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6
		r.MaxRSSKiB = ru.Maxrss // KiB on Linux
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		os.Exit(1)
	}
	if len(r.Errors) > 0 {
		os.Exit(1)
	}
}

func validate(o options) error {
	if engines[o.engine] == nil {
		return fmt.Errorf("--engine: %q is not cli-utils or flux-ssa", o.engine)
	}
	for name, v := range map[string]string{"--kubeconfig": o.kubeconfig, "--dir": o.dir, "--namespace": o.namespace} {
		if v == "" {
			return fmt.Errorf("%s is required", name)
		}
	}
	if o.inventory == "" && !o.discoverOnly {
		return fmt.Errorf("--inventory is required")
	}
	return nil
}

func run(o options, r *result) error {
	flags := genericclioptions.NewConfigFlags(true)
	flags.KubeConfig = &o.kubeconfig
	flags.Namespace = &o.namespace
	if o.cacheDir != "" {
		flags.CacheDir = &o.cacheDir
	}
	flags.WrapConfigFn = func(c *rest.Config) *rest.Config {
		c.QPS = float32(o.qps)
		c.Burst = o.burst
		return c
	}
	mapper, err := flags.ToRESTMapper()
	if err != nil {
		return fmt.Errorf("REST mapper: %w", err)
	}
	objs, err := readObjects(o.dir, o.namespace, mapper)
	if err != nil {
		return err
	}
	r.Objects = len(objs)
	if o.discoverOnly {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	return engines[o.engine](ctx, o, flags, objs, r)
}
