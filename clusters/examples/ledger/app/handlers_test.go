package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeStore is an in-memory Store; down makes every call fail as a dead database would.
type fakeStore struct {
	mu      sync.Mutex
	rows    map[[2]string]Entry
	down    bool
	schemas int
}

func newFakeStore() *fakeStore { return &fakeStore{rows: map[[2]string]Entry{}} }

func key(writer string, seq int64) [2]string { return [2]string{writer, strconv.FormatInt(seq, 10)} }

var errDown = errors.New("dial tcp 10.0.0.9:5432: connect: connection refused")

func (f *fakeStore) Insert(_ context.Context, writer string, seq int64, note string) (Entry, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return Entry{}, false, errDown
	}
	if e, ok := f.rows[key(writer, seq)]; ok {
		return e, false, nil
	}
	e := Entry{Writer: writer, Seq: seq, Note: note, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f.rows[key(writer, seq)] = e
	return e, true, nil
}

func (f *fakeStore) Get(_ context.Context, writer string, seq int64) (Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return Entry{}, errDown
	}
	e, ok := f.rows[key(writer, seq)]
	if !ok {
		return Entry{}, ErrNotFound
	}
	return e, nil
}

func (f *fakeStore) List(_ context.Context, writer string, afterSeq int64, limit int) ([]Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, errDown
	}
	out := []Entry{}
	for _, e := range f.rows {
		if e.Writer == writer && e.Seq > afterSeq {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (f *fakeStore) Ping(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return errDown
	}
	return nil
}

func (f *fakeStore) EnsureSchema(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.schemas++
	if f.down {
		return errDown
	}
	return nil
}

func (f *fakeStore) setDown(down bool) {
	f.mu.Lock()
	f.down = down
	f.mu.Unlock()
}

func do(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: response is not JSON: %v: %q", method, path, err, rec.Body.String())
		}
	} else {
		out = map[string]any{"text": rec.Body.String()}
	}
	return rec.Code, out
}

func readyServer(store Store) *Server {
	s := NewServer(store, "v9")
	s.schemaReady.Store(true)
	return s
}

func TestPostThenGetReturnsTheEntryWithItsSeq(t *testing.T) {
	h := readyServer(newFakeStore()).Handler()
	code, body := do(t, h, "POST", "/v1/entries", `{"seq": 42, "note": "hello"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST: status %d, body %v", code, body)
	}
	if body["seq"] != float64(42) || body["note"] != "hello" {
		t.Fatalf("POST: body %v, want seq 42 and note hello", body)
	}
	code, body = do(t, h, "GET", "/v1/entries/42", "")
	if code != http.StatusOK || body["seq"] != float64(42) || body["note"] != "hello" {
		t.Fatalf("GET: status %d, body %v", code, body)
	}
}

func TestPostIsNotAcknowledgedWhenTheDatabaseFails(t *testing.T) {
	store := newFakeStore()
	store.setDown(true)
	h := readyServer(store).Handler()
	code, body := do(t, h, "POST", "/v1/entries", `{"seq": 7, "note": "lost"}`)
	if code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503; body %v", code, body)
	}
	if _, acked := body["seq"]; acked {
		t.Fatalf("a failed write must not echo a seq (that reads as an acknowledgement): %v", body)
	}
	if !strings.Contains(body["error"].(string), "not written") {
		t.Fatalf("error should say the entry was not written: %v", body)
	}
	store.setDown(false)
	if code, _ := do(t, h, "GET", "/v1/entries/7", ""); code != http.StatusNotFound {
		t.Fatalf("GET after a refused write: status %d, want 404", code)
	}
}

func TestPostRejectsBadBodiesWithAReason(t *testing.T) {
	h := readyServer(newFakeStore()).Handler()
	for _, tc := range []struct{ body, want string }{
		{`not json`, "must be JSON"},
		{`{"note": "x"}`, `lacks "seq"`},
		{`{"seq": 0, "note": "x"}`, "positive integer"},
		{`{"seq": -3, "note": "x"}`, "positive integer"},
		{`{"seq": 1.5, "note": "x"}`, "positive integer"},
		{`{"seq": 1, "note": "x", "extra": true}`, "unknown field"},
		{`{"seq": 1, "note": "` + strings.Repeat("a", maxNoteBytes+1) + `"}`, "at most"},
	} {
		code, body := do(t, h, "POST", "/v1/entries", tc.body)
		msg, _ := body["error"].(string)
		if code != http.StatusBadRequest || !strings.Contains(msg, tc.want) {
			t.Errorf("body %.40q: status %d error %q, want 400 containing %q", tc.body, code, msg, tc.want)
		}
	}
}

func TestARetriedWriteIsAcknowledgedAgainNotWrittenTwice(t *testing.T) {
	h := readyServer(newFakeStore()).Handler()
	do(t, h, "POST", "/v1/entries", `{"seq": 5, "note": "first"}`)
	code, body := do(t, h, "POST", "/v1/entries", `{"seq": 5, "note": "second"}`)
	if code != http.StatusOK || body["note"] != "first" {
		t.Fatalf("retry: status %d body %v, want 200 with the stored entry (note first)", code, body)
	}
	if _, body := do(t, h, "GET", "/v1/entries/5", ""); body["note"] != "first" {
		t.Fatalf("note %v, want first", body["note"])
	}
	_, metrics := do(t, h, "GET", "/metrics", "")
	if !strings.Contains(metrics["text"].(string), "ledger_entries_written_total 1\n") {
		t.Fatalf("a retry must not count as a second written entry:\n%s", metrics["text"])
	}
}

func TestWritersHaveTheirOwnSequencesAndListOnlyTheirEntries(t *testing.T) {
	h := readyServer(newFakeStore()).Handler()
	for _, b := range []string{
		`{"writer": "run-a", "seq": 2, "note": "a2"}`,
		`{"writer": "run-a", "seq": 1, "note": "a1"}`,
		`{"writer": "run-b", "seq": 1, "note": "b1"}`,
		`{"writer": "run-a", "seq": 3, "note": "a3"}`,
	} {
		if code, body := do(t, h, "POST", "/v1/entries", b); code != http.StatusCreated {
			t.Fatalf("POST %s: status %d body %v", b, code, body)
		}
	}
	req := httptest.NewRequest("GET", "/v1/entries?writer=run-a", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var list []Entry
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("list: status %d, %v: %s", rec.Code, err, rec.Body.String())
	}
	var seqs []int64
	for _, e := range list {
		if e.Writer != "run-a" {
			t.Fatalf("list of run-a holds an entry of %q", e.Writer)
		}
		seqs = append(seqs, e.Seq)
	}
	if fmt.Sprint(seqs) != "[1 2 3]" {
		t.Fatalf("seqs %v, want [1 2 3] (by seq)", seqs)
	}
	req = httptest.NewRequest("GET", "/v1/entries?writer=run-a&afterSeq=1&limit=1", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	list = nil
	_ = json.Unmarshal(rec.Body.Bytes(), &list)
	if len(list) != 1 || list[0].Seq != 2 {
		t.Fatalf("afterSeq=1&limit=1: %s, want only seq 2", rec.Body.String())
	}
	if code, body := do(t, h, "GET", "/v1/entries/1?writer=run-b", ""); code != http.StatusOK || body["note"] != "b1" {
		t.Fatalf("GET seq 1 of run-b: status %d body %v", code, body)
	}
	if code, body := do(t, h, "GET", "/v1/entries?limit=0", ""); code != http.StatusBadRequest || !strings.Contains(body["error"].(string), "limit") {
		t.Fatalf("limit=0: status %d body %v, want 400 naming limit", code, body)
	}
}

func TestGetUnknownOrBadSeq(t *testing.T) {
	h := readyServer(newFakeStore()).Handler()
	if code, _ := do(t, h, "GET", "/v1/entries/99", ""); code != http.StatusNotFound {
		t.Fatalf("unknown seq: status %d, want 404", code)
	}
	if code, body := do(t, h, "GET", "/v1/entries/abc", ""); code != http.StatusBadRequest || !strings.Contains(body["error"].(string), `"abc"`) {
		t.Fatalf("bad seq: status %d body %v, want 400 naming it", code, body)
	}
}

func TestLivezIgnoresTheDatabaseAndShowsTheVersion(t *testing.T) {
	store := newFakeStore()
	store.setDown(true)
	code, body := do(t, readyServer(store).Handler(), "GET", "/livez", "")
	if code != http.StatusOK || body["version"] != "v9" {
		t.Fatalf("status %d body %v, want 200 with version v9", code, body)
	}
}

func TestReadyzFollowsSchemaAndDatabase(t *testing.T) {
	store := newFakeStore()
	s := NewServer(store, "v9")
	h := s.Handler()
	if code, body := do(t, h, "GET", "/readyz", ""); code != http.StatusServiceUnavailable || !strings.Contains(body["reason"].(string), "not created") {
		t.Fatalf("before the schema: status %d body %v, want 503 naming the table", code, body)
	}
	s.schemaReady.Store(true)
	if code, _ := do(t, h, "GET", "/readyz", ""); code != http.StatusOK {
		t.Fatalf("with schema and database: status %d, want 200", code)
	}
	store.setDown(true)
	if code, body := do(t, h, "GET", "/readyz", ""); code != http.StatusServiceUnavailable || !strings.Contains(body["reason"].(string), "unreachable") {
		t.Fatalf("database down: status %d body %v, want 503 unreachable", code, body)
	}
}

func TestMetricsCountRequestsByRouteAndCode(t *testing.T) {
	h := readyServer(newFakeStore()).Handler()
	do(t, h, "POST", "/v1/entries", `{"seq": 1, "note": "a"}`)
	do(t, h, "POST", "/v1/entries", `{"seq": 2, "note": "b"}`)
	do(t, h, "GET", "/v1/entries/3", "")
	do(t, h, "GET", "/nowhere", "")
	_, body := do(t, h, "GET", "/metrics", "")
	text := body["text"].(string)
	for _, want := range []string{
		`ledger_http_requests_total{method="POST",route="/v1/entries",code="201"} 2`,
		`ledger_http_requests_total{method="GET",route="/v1/entries/{seq}",code="404"} 1`,
		`ledger_http_requests_total{method="GET",route="other",code="404"} 1`,
		`ledger_entries_written_total 2`,
		`ledger_build_info{version="v9"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q:\n%s", want, text)
		}
	}
}

func TestSchemaIsRetriedUntilTheDatabaseAnswers(t *testing.T) {
	store := newFakeStore()
	store.setDown(true)
	go func() {
		time.Sleep(30 * time.Millisecond)
		store.setDown(false)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ensureSchemaUntil(ctx, store, 5*time.Millisecond, func(string, ...any) {}); err != nil {
		t.Fatalf("ensureSchemaUntil: %v", err)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if store.schemas < 2 {
		t.Fatalf("EnsureSchema called %d times, want a retry after the failure", store.schemas)
	}
}

func TestDBConfigFromEnvNamesWhatIsMissing(t *testing.T) {
	env := map[string]string{"LEDGER_DB_HOST": "ledger-pg", "LEDGER_DB_NAME": "ledger"}
	_, err := dbConfigFromEnv(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "LEDGER_DB_PASSWORD") || !strings.Contains(err.Error(), "LEDGER_DB_USER") || !strings.Contains(err.Error(), "ledger-db") {
		t.Fatalf("error %v, want it to name LEDGER_DB_USER, LEDGER_DB_PASSWORD and the Secret", err)
	}
	env["LEDGER_DB_USER"], env["LEDGER_DB_PASSWORD"] = "ledger", "p@ss:/word"
	cfg, err := dbConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if dsn := cfg.DSN(); !strings.HasPrefix(dsn, "postgres://ledger:p%40ss%3A%2Fword@ledger-pg:5432/ledger?") {
		t.Fatalf("DSN %q: password must be escaped, port defaulted to 5432", dsn)
	}
}
