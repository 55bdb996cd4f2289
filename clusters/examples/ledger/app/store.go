package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	_ "github.com/lib/pq"
)

// Entry is one row of the ledger: a caller-chosen sequence number and a note.
type Entry struct {
	Seq       int64     `json:"seq"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"createdAt"`
}

// ErrDuplicate: an entry with this seq exists already (the caller's write was not applied a second time).
var ErrDuplicate = errors.New("an entry with this seq exists already")

// ErrNotFound: no entry with this seq.
var ErrNotFound = errors.New("no entry with this seq")

// Store is what the handlers need from the database; the tests give them a fake.
type Store interface {
	// Insert returns only after the row is committed; any error means the entry is not acknowledged.
	Insert(ctx context.Context, seq int64, note string) (Entry, error)
	Get(ctx context.Context, seq int64) (Entry, error)
	Ping(ctx context.Context) error
	// EnsureSchema creates the table if it is missing (idempotent).
	EnsureSchema(ctx context.Context) error
}

// DBConfig is read from the environment (the Deployment feeds user and password from the Secret ledger-db).
type DBConfig struct {
	Host, Port, Name, User, Password, SSLMode string
}

func dbConfigFromEnv(getenv func(string) string) (DBConfig, error) {
	c := DBConfig{
		Host:     getenv("LEDGER_DB_HOST"),
		Port:     getenv("LEDGER_DB_PORT"),
		Name:     getenv("LEDGER_DB_NAME"),
		User:     getenv("LEDGER_DB_USER"),
		Password: getenv("LEDGER_DB_PASSWORD"),
		SSLMode:  getenv("LEDGER_DB_SSLMODE"),
	}
	if c.Port == "" {
		c.Port = "5432"
	}
	if c.SSLMode == "" {
		c.SSLMode = "disable"
	}
	var missing []string
	for name, v := range map[string]string{"LEDGER_DB_HOST": c.Host, "LEDGER_DB_NAME": c.Name, "LEDGER_DB_USER": c.User, "LEDGER_DB_PASSWORD": c.Password} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("database settings missing from the environment: %v (user and password come from the Secret ledger-db, keys username/password)", sortedStrings(missing))
	}
	if _, err := strconv.Atoi(c.Port); err != nil {
		return c, fmt.Errorf("LEDGER_DB_PORT=%q is not a port number", c.Port)
	}
	return c, nil
}

// DSN is a postgres:// URL; connect_timeout keeps a dead database from holding a request for long.
func (c DBConfig) DSN() string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(c.User, c.Password),
		Host:     c.Host + ":" + c.Port,
		Path:     "/" + c.Name,
		RawQuery: url.Values{"sslmode": {c.SSLMode}, "connect_timeout": {"3"}, "application_name": {"ledger"}}.Encode(),
	}
	return u.String()
}

type pgStore struct{ db *sql.DB }

func openPG(c DBConfig) (*pgStore, error) {
	db, err := sql.Open("postgres", c.DSN())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(10)
	db.SetMaxIdleConns(5)
	db.SetConnMaxLifetime(5 * time.Minute)
	return &pgStore{db: db}, nil
}

func (s *pgStore) EnsureSchema(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS entries (
		seq        bigint PRIMARY KEY,
		note       text NOT NULL,
		created_at timestamptz NOT NULL DEFAULT now()
	)`)
	return err
}

func (s *pgStore) Insert(ctx context.Context, seq int64, note string) (Entry, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Entry{}, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var e Entry
	err = tx.QueryRowContext(ctx,
		`INSERT INTO entries (seq, note) VALUES ($1, $2) ON CONFLICT (seq) DO NOTHING RETURNING seq, note, created_at`,
		seq, note).Scan(&e.Seq, &e.Note, &e.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, ErrDuplicate
	}
	if err != nil {
		return Entry{}, err
	}
	// The acknowledgement waits for this: a write the caller hears about is durable in PostgreSQL.
	if err := tx.Commit(); err != nil {
		return Entry{}, err
	}
	return e, nil
}

func (s *pgStore) Get(ctx context.Context, seq int64) (Entry, error) {
	var e Entry
	err := s.db.QueryRowContext(ctx, `SELECT seq, note, created_at FROM entries WHERE seq = $1`, seq).Scan(&e.Seq, &e.Note, &e.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, ErrNotFound
	}
	return e, err
}

func (s *pgStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *pgStore) Close() error { return s.db.Close() }

// ensureSchemaUntil retries EnsureSchema every interval until it succeeds or ctx ends; the service starts
// before its database (a StatefulSet may come up later) and only reports ready once the table exists.
func ensureSchemaUntil(ctx context.Context, s Store, interval time.Duration, logf func(string, ...any)) error {
	for attempt := 1; ; attempt++ {
		attemptCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := s.EnsureSchema(attemptCtx)
		cancel()
		if err == nil {
			return nil
		}
		if attempt == 1 || attempt%10 == 0 {
			logf("schema not created yet (attempt %d): %v", attempt, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

func getenvOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
