// Command promtail: Loki's log shipper. Loki v3.7 removed promtail's main package (clients/cmd/promtail) but
// still ships the promtail library (clients/pkg/promtail, used by its docker driver); this main wires it up
// the way the removed one did: -config.file, -config.expand-env, -dry-run, -version, reload on SIGHUP.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"

	"github.com/go-kit/log/level"
	"github.com/grafana/dskit/flagext"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/grafana/loki/v3/clients/pkg/promtail"
	"github.com/grafana/loki/v3/clients/pkg/promtail/client"
	promtail_config "github.com/grafana/loki/v3/clients/pkg/promtail/config"
	"github.com/grafana/loki/v3/pkg/util/build"
	"github.com/grafana/loki/v3/pkg/util/cfg"
	util_log "github.com/grafana/loki/v3/pkg/util/log"
)

// Config is promtail's config plus the command-line-only switches.
type Config struct {
	promtail_config.Config `yaml:",inline"`
	printVersion           bool
	dryRun                 bool
	configFile             string
	configExpandEnv        bool
}

// RegisterFlags registers the command-line flags and promtail's own.
func (c *Config) RegisterFlags(f *flag.FlagSet) {
	f.BoolVar(&c.printVersion, "version", false, "Print this build's version information")
	f.BoolVar(&c.dryRun, "dry-run", false, "Start promtail but print entries instead of sending them to Loki.")
	f.StringVar(&c.configFile, "config.file", "", "yaml file to load")
	f.BoolVar(&c.configExpandEnv, "config.expand-env", false, "Expands ${var} in config according to the values of the environment variables.")
	c.Config.RegisterFlags(f)
}

// Clone takes advantage of pass-by-value semantics to return a distinct *Config.
func (c *Config) Clone() flagext.Registerer {
	return func(c Config) *Config { return &c }(*c)
}

func main() {
	var config Config
	args := os.Args[1:]
	if err := cfg.DefaultUnmarshal(&config, args, flag.CommandLine); err != nil {
		fmt.Fprintf(os.Stderr, "promtail: failed parsing config: %v\n", err)
		os.Exit(1)
	}
	if config.printVersion {
		fmt.Printf("promtail %s (built by drillbook from the Loki module)\n", build.Version)
		os.Exit(0)
	}
	if err := config.Config.Validate(); err != nil {
		fmt.Fprintf(os.Stderr, "promtail: invalid config: %v\n", err)
		os.Exit(1)
	}
	util_log.InitLogger(&config.Config.ServerConfig.Config, prometheus.DefaultRegisterer, false)
	config.Config.Setup(util_log.Logger)

	var mtx sync.Mutex
	newConfig := func() (*promtail_config.Config, error) {
		mtx.Lock()
		defer mtx.Unlock()
		var fresh Config
		if err := cfg.DefaultUnmarshal(&fresh, args, flag.NewFlagSet(os.Args[0], flag.ExitOnError)); err != nil {
			return nil, err
		}
		fresh.Config.Setup(util_log.Logger)
		return &fresh.Config, nil
	}

	clientMetrics := client.NewMetrics(prometheus.DefaultRegisterer)
	p, err := promtail.New(config.Config, newConfig, clientMetrics, config.dryRun)
	if err != nil {
		level.Error(util_log.Logger).Log("msg", "error creating promtail", "error", err)
		os.Exit(1)
	}
	level.Info(util_log.Logger).Log("msg", "Starting Promtail", "version", build.Version)
	if err := p.Run(); err != nil {
		level.Error(util_log.Logger).Log("msg", "error running promtail", "error", err)
		os.Exit(1)
	}
	p.Shutdown()
}
