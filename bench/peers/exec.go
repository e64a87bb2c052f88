package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// execResult is what `peers exec -- cmd args...` prints: the child's wall
// time, CPU and peak RSS (its rusage), so a tool the benchmark only runs as a
// process (kubectl) is measured as the Go engines measure themselves.
type execResult struct {
	Engine      string   `json:"engine"`
	ExitCode    int      `json:"exitCode"`
	OutputLines int      `json:"outputLines"`
	Errors      []string `json:"errors"`
	WallMs      float64  `json:"wallMs"`
	CPUUserS    float64  `json:"cpuUserS"`
	CPUSysS     float64  `json:"cpuSysS"`
	MaxRSSKiB   int64    `json:"maxRssKiB"`
}

func runExec(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "peers exec: expected a command after `exec --`")
		return 2
	}
	var stdout bytes.Buffer
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	r := execResult{Engine: args[0], Errors: []string{}}
	start := time.Now()
	err := cmd.Run()
	r.WallMs = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		r.Errors = append(r.Errors, err.Error())
	}
	if st := cmd.ProcessState; st != nil {
		r.ExitCode = st.ExitCode()
		r.CPUUserS = st.UserTime().Seconds()
		r.CPUSysS = st.SystemTime().Seconds()
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			r.MaxRSSKiB = ru.Maxrss
		}
	}
	r.OutputLines = bytes.Count(stdout.Bytes(), []byte("\n"))
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		return 1
	}
	return r.ExitCode
}
