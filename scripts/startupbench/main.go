// Command startupbench measures how much slower `cachelink connstr
// polyscale` starts than a minimal Go program that prints one line. It runs
// both binaries alternately, many times, and prints the median wall time of
// each and their ratio (target: at most 1.5). Run it through
// scripts/bench-startup, which builds both binaries the way a release does.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"time"
)

func main() {
	cachelink := flag.String("cachelink", "", "path to the cachelink binary")
	baseline := flag.String("baseline", "", "path to the minimal one-line program")
	runs := flag.Int("runs", 60, "runs of each binary (at least 30)")
	warmup := flag.Int("warmup", 5, "unmeasured runs of each first")
	flag.Parse()
	if *cachelink == "" || *baseline == "" || *runs < 30 {
		fmt.Fprintln(os.Stderr, "usage: startupbench -cachelink PATH -baseline PATH [-runs N>=30]")
		os.Exit(2)
	}

	const cacheID = "11111111-2222-4333-8444-555555555555"
	env := append(os.Environ(), "DATABASE_URL=postgres://app:s3cret@db.example.com:5432/shop?sslmode=verify-full",
		"CACHELINK_CONFIG_DIR="+os.TempDir()+"/startupbench-no-config")
	product := []string{*cachelink, "connstr", "polyscale", cacheID, "--origin-env", "DATABASE_URL"}
	minimal := []string{*baseline}

	for i := 0; i < *warmup; i++ {
		run(product, env)
		run(minimal, env)
	}
	var a, b []time.Duration
	for i := 0; i < *runs; i++ {
		// Alternate the order so neither binary always runs on a warmer cache.
		if i%2 == 0 {
			a = append(a, run(product, env))
			b = append(b, run(minimal, env))
		} else {
			b = append(b, run(minimal, env))
			a = append(a, run(product, env))
		}
	}
	ma, mb := median(a), median(b)
	fmt.Printf("runs: %d each, alternating\n", *runs)
	fmt.Printf("cachelink connstr polyscale: median %.2f ms (min %.2f ms)\n", ms(ma), ms(slices.Min(a)))
	fmt.Printf("minimal Go program:          median %.2f ms (min %.2f ms)\n", ms(mb), ms(slices.Min(b)))
	fmt.Printf("median ratio: %.2f (target <= 1.50)\n", float64(ma)/float64(mb))
}

func run(argv, env []string) time.Duration {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	start := time.Now()
	out, err := cmd.Output()
	d := time.Since(start)
	if err != nil || len(out) == 0 {
		fmt.Fprintf(os.Stderr, "startupbench: %s failed: %v\n", argv[0], err)
		os.Exit(1)
	}
	return d
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
