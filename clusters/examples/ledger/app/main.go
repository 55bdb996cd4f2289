// ledger: a tiny Go HTTP service over its own PostgreSQL, the second example stack drillbook drills from its
// description alone (clusters/examples/ledger/drillbook.yaml). POST /v1/entries acknowledges only after commit.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	version := getenvOr("LEDGER_VERSION", "dev")
	if os.Getenv("LEDGER_BROKEN") == "1" {
		// The broken release of the rollback drill: it never serves.
		log.Error("broken build: refusing to start", "version", version)
		os.Exit(78)
	}
	if err := run(log, version); err != nil {
		log.Error("ledger stopped", "error", err.Error())
		os.Exit(1)
	}
}

func run(log *slog.Logger, version string) error {
	cfg, err := dbConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	store, err := openPG(cfg)
	if err != nil {
		return fmt.Errorf("database settings: %w", err)
	}
	defer store.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	srv := NewServer(store, version)
	addr := ":" + getenvOr("LEDGER_PORT", "9090")
	httpServer := &http.Server{Addr: addr, Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}

	go func() {
		if err := ensureSchemaUntil(ctx, store, time.Second, func(f string, a ...any) { log.Warn(fmt.Sprintf(f, a...)) }); err == nil {
			srv.schemaReady.Store(true)
			log.Info("table entries ready", "db", cfg.Host+":"+cfg.Port+"/"+cfg.Name)
		}
	}()

	errs := make(chan error, 1)
	go func() { errs <- httpServer.ListenAndServe() }()
	log.Info("ledger listening", "addr", addr, "version", version)
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
