package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	maxNoteBytes = 1024
	maxWriterLen = 128
	// defaultWriter owns entries written without a writer.
	defaultWriter = "default"
	maxListLimit  = 100_000
)

// Server holds the HTTP handlers of the ledger service.
type Server struct {
	store   Store
	version string
	// schemaReady is set once the table exists; /readyz stays 503 until then.
	schemaReady atomic.Bool
	metrics     *Metrics
	// dbTimeout bounds every database call a request makes (a dead database answers 503, never hangs).
	dbTimeout time.Duration
}

func NewServer(store Store, version string) *Server {
	return &Server{store: store, version: version, metrics: NewMetrics(), dbTimeout: 3 * time.Second}
}

// Handler routes requests; every response is counted in /metrics by method, route and status code.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.route(mux, "POST /v1/entries", s.postEntry)
	s.route(mux, "GET /v1/entries", s.listEntries)
	s.route(mux, "GET /v1/entries/{seq}", s.getEntry)
	s.route(mux, "GET /livez", s.livez)
	s.route(mux, "GET /readyz", s.readyz)
	s.route(mux, "GET /metrics", s.metricsText)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.metrics.Count(r.Method, "other", http.StatusNotFound)
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route %s %s; routes: POST /v1/entries, GET /v1/entries?writer=, GET /v1/entries/{seq}?writer=, GET /livez, GET /readyz, GET /metrics", r.Method, r.URL.Path))
	})
	return mux
}

func (s *Server) route(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	route := pattern[strings.IndexByte(pattern, ' ')+1:]
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h(rec, r)
		s.metrics.Count(r.Method, route, rec.status)
	})
}

type entryRequest struct {
	Writer *string      `json:"writer"`
	Seq    *json.Number `json:"seq"`
	Note   string       `json:"note"`
}

// writerOf checks a writer name (from the body or ?writer=); empty means defaultWriter.
func writerOf(raw *string) (string, error) {
	if raw == nil || *raw == "" {
		return defaultWriter, nil
	}
	if len(*raw) > maxWriterLen {
		return "", fmt.Errorf(`"writer" is %d bytes; at most %d`, len(*raw), maxWriterLen)
	}
	return *raw, nil
}

func (s *Server) postEntry(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16*1024))
	if err != nil {
		writeError(w, http.StatusBadRequest, "could not read the request body: "+err.Error())
		return
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var req entryRequest
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, `body must be JSON {"seq": <positive integer>, "note": "<text>", "writer": "<optional name>"}: `+err.Error())
		return
	}
	if req.Seq == nil {
		writeError(w, http.StatusBadRequest, `body lacks "seq" (a positive integer)`)
		return
	}
	seq, err := strconv.ParseInt(req.Seq.String(), 10, 64)
	if err != nil || seq <= 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`"seq" must be a positive integer, got %s`, req.Seq.String()))
		return
	}
	if len(req.Note) > maxNoteBytes {
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`"note" is %d bytes; at most %d`, len(req.Note), maxNoteBytes))
		return
	}
	writer, err := writerOf(req.Writer)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.dbTimeout)
	defer cancel()
	entry, created, err := s.store.Insert(ctx, writer, seq, req.Note)
	switch {
	case err != nil:
		// Not acknowledged: the caller must treat the entry as not written.
		writeError(w, http.StatusServiceUnavailable, "entry not written (database unavailable): "+err.Error())
	case created:
		s.metrics.entriesWritten.Add(1)
		writeJSON(w, http.StatusCreated, entry)
	default:
		// (writer, seq) was committed before: acknowledged again with the stored entry, not written twice.
		writeJSON(w, http.StatusOK, entry)
	}
}

func (s *Server) getEntry(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("seq")
	seq, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || seq <= 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("seq in the path must be a positive integer, got %q", raw))
		return
	}
	q := r.URL.Query().Get("writer")
	writer, err := writerOf(&q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.dbTimeout)
	defer cancel()
	entry, err := s.store.Get(ctx, writer, seq)
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("no entry with seq %d for writer %q", seq, writer))
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, "database unavailable: "+err.Error())
	default:
		writeJSON(w, http.StatusOK, entry)
	}
}

// listEntries: GET /v1/entries?writer=&afterSeq=&limit= -> a JSON array of the writer's entries, by seq.
func (s *Server) listEntries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	raw := q.Get("writer")
	writer, err := writerOf(&raw)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	afterSeq := int64(0)
	if v := q.Get("afterSeq"); v != "" {
		if afterSeq, err = strconv.ParseInt(v, 10, 64); err != nil || afterSeq < 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("afterSeq must be a non-negative integer, got %q", v))
			return
		}
	}
	limit := maxListLimit
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxListLimit {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit must be an integer 1-%d, got %q", maxListLimit, v))
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.dbTimeout)
	defer cancel()
	entries, err := s.store.List(ctx, writer, afterSeq, limit)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "database unavailable: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, entries)
}

// livez says the process serves HTTP (and which release it is); it never looks at the database, so a database
// outage does not get healthy pods restarted.
func (s *Server) livez(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

// readyz: the table exists and the database answers now.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.schemaReady.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": "table entries not created yet", "version": s.version})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": "database unreachable: " + err.Error(), "version": s.version})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "version": s.version})
}

func (s *Server) metricsText(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = io.WriteString(w, s.metrics.Text(s.version))
}

// Metrics: a request counter per (method, route, code) in Prometheus text format.
type Metrics struct {
	mu             sync.Mutex
	requests       map[[3]string]uint64
	entriesWritten atomic.Uint64
}

func NewMetrics() *Metrics { return &Metrics{requests: map[[3]string]uint64{}} }

func (m *Metrics) Count(method, route string, code int) {
	m.mu.Lock()
	m.requests[[3]string{method, route, strconv.Itoa(code)}]++
	m.mu.Unlock()
}

func (m *Metrics) Text(version string) string {
	m.mu.Lock()
	keys := make([][3]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	counts := make(map[[3]string]uint64, len(m.requests))
	for k, v := range m.requests {
		counts[k] = v
	}
	m.mu.Unlock()
	sort.Slice(keys, func(i, j int) bool { return strings.Join(keys[i][:], "\x00") < strings.Join(keys[j][:], "\x00") })
	var b strings.Builder
	b.WriteString("# HELP ledger_http_requests_total HTTP requests served, by method, route and status code.\n")
	b.WriteString("# TYPE ledger_http_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "ledger_http_requests_total{method=%q,route=%q,code=%q} %d\n", k[0], k[1], k[2], counts[k])
	}
	b.WriteString("# HELP ledger_entries_written_total Entries committed and acknowledged.\n")
	b.WriteString("# TYPE ledger_entries_written_total counter\n")
	fmt.Fprintf(&b, "ledger_entries_written_total %d\n", m.entriesWritten.Load())
	b.WriteString("# HELP ledger_build_info The running release.\n")
	b.WriteString("# TYPE ledger_build_info gauge\n")
	fmt.Fprintf(&b, "ledger_build_info{version=%q} 1\n", version)
	return b.String()
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}
