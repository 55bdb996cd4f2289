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

// Entry is one row of the ledger: a writer's own sequence number and a note. (writer, seq) is unique.
type Entry struct {
	Writer    string    `json:"writer"`
	Seq       int64     `json:"seq"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"createdAt"`
}

// ErrNotFound: no entry with this seq.
var ErrNotFound = errors.New("no entry with this seq")

// Store is what the handlers need from the database; the tests give them a fake.
type Store interface {
	// Insert returns only after the row is committed; any error means the entry is not acknowledged.
	// created is false when (writer, seq) was committed before: the stored entry comes back (a retry of an
	// acknowledged write is acknowledged again, never applied twice).
	Insert(ctx context.Context, writer string, seq int64, note string) (e Entry, created bool, err error)
	Get(ctx context.Context, writer string, seq int64) (Entry, error)
	// List returns the writer's entries with seq > afterSeq, by seq, at most limit of them.
	List(ctx context.Context, writer string, afterSeq int64, limit int) ([]Entry, error)
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
		writer     text NOT NULL,
		seq        bigint NOT NULL,
		note       text NOT NULL,
		created_at timestamptz NOT NULL DEFAULT now(),
		PRIMARY KEY (writer, seq)
	)`)
	return err
}

func (s *pgStore) Insert(ctx context.Context, writer string, seq int64, note string) (Entry, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Entry{}, false, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var e Entry
	created := true
	err = tx.QueryRowContext(ctx,
		`INSERT INTO entries (writer, seq, note) VALUES ($1, $2, $3) ON CONFLICT (writer, seq) DO NOTHING RETURNING writer, seq, note, created_at`,
		writer, seq, note).Scan(&e.Writer, &e.Seq, &e.Note, &e.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		created = false
		err = tx.QueryRowContext(ctx, `SELECT writer, seq, note, created_at FROM entries WHERE writer = $1 AND seq = $2`, writer, seq).
			Scan(&e.Writer, &e.Seq, &e.Note, &e.CreatedAt)
	}
	if err != nil {
		return Entry{}, false, err
	}
	// The acknowledgement waits for this: a write the caller hears about is committed in PostgreSQL.
	if err := tx.Commit(); err != nil {
		return Entry{}, false, err
	}
	return e, created, nil
}

func (s *pgStore) Get(ctx context.Context, writer string, seq int64) (Entry, error) {
	var e Entry
	err := s.db.QueryRowContext(ctx, `SELECT writer, seq, note, created_at FROM entries WHERE writer = $1 AND seq = $2`, writer, seq).
		Scan(&e.Writer, &e.Seq, &e.Note, &e.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, ErrNotFound
	}
	return e, err
}

func (s *pgStore) List(ctx context.Context, writer string, afterSeq int64, limit int) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT writer, seq, note, created_at FROM entries WHERE writer = $1 AND seq > $2 ORDER BY seq LIMIT $3`, writer, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Writer, &e.Seq, &e.Note, &e.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
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
