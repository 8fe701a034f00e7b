package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// kindsServer is the Upstash API of a sandbox with one valid key.
func kindsServer(t *testing.T) (*httptest.Server, *Store, string, string) {
	t.Helper()
	acct := Account{Email: "dev@example.com"}
	st := NewStore(acct)
	key := "k-" + newUUID()
	if err := st.addAPIKey(APIKey{Name: "t", Key: key, Email: acct.Email}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	cfg := APIConfig{Account: acct, Store: st}
	RegisterUpstashAPI(mux, cfg)
	RegisterUpstashKinds(mux, cfg)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, st, acct.Email, key
}

func kindsDo(t *testing.T, srv *httptest.Server, email, key, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if email != "" {
		req.SetBasicAuth(email, key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestKindsNeedBasicAuthAndAnswerErrorsAsJSONStrings(t *testing.T) {
	t.Parallel()
	srv, st, email, key := kindsServer(t)
	for _, p := range []string{"/v2/vector/index", "/v2/search", "/v2/qstash/users"} {
		if code, _ := kindsDo(t, srv, "", "", "GET", p, ""); code != http.StatusUnauthorized {
			t.Errorf("GET %s without auth = %d, want 401", p, code)
		}
	}
	for _, tt := range []struct{ path, body, want string }{
		{"/v2/vector/index", `{"name":"v","region":"eu-central-1","similarity_function":"COSINE","dimension_count":3}`, "invalid region"},
		{"/v2/vector/index", `{"name":"v","region":"eu-west-1","dimension_count":3}`, "similarity_function is required"},
		{"/v2/vector/index", `{"name":"v","region":"eu-west-1","similarity_function":"COSINE"}`, "dimension_count"},
		{"/v2/vector/index", `{"name":"v","region":"eu-west-1","similarity_function":"COSINE","dimension_count":3,"embedding_model":"BGE_M3"}`, "dimension_count must be 1024"},
		{"/v2/search", `{"name":"s","region":"eu-west-1"}`, "type is required"},
		{"/v2/search", `{"name":"s","region":"us-east-1","type":"free"}`, "invalid region"},
	} {
		code, body := kindsDo(t, srv, email, key, "POST", tt.path, tt.body)
		var msg string
		if code != http.StatusBadRequest || json.Unmarshal([]byte(body), &msg) != nil || !strings.Contains(msg, tt.want) {
			t.Errorf("POST %s %s = %d %s, want 400 and a JSON string with %q", tt.path, tt.body, code, body, tt.want)
		}
	}
	code, body := kindsDo(t, srv, email, key, "POST", "/v2/vector/index", `{"name":"v","region":"us-east-1","similarity_function":"DOT_PRODUCT","dimension_count":384,"embedding_model":"BGE_SMALL_EN_V1_5"}`)
	var ix Index
	if code != 200 || json.Unmarshal([]byte(body), &ix) != nil || ix.ID == "" || strings.Contains(ix.Endpoint, ".") || ix.Token == "" {
		t.Fatalf("create = %d %s", code, body)
	}
	if code, _ := kindsDo(t, srv, email, key, "GET", "/v2/vector/index/"+ix.ID, ""); code != 200 {
		t.Errorf("get = %d", code)
	}
	if code, body := kindsDo(t, srv, email, key, "DELETE", "/v2/vector/index/"+ix.ID, ""); code != 200 || body != `"OK"`+"\n" && body != `"OK"` {
		t.Errorf("delete = %d %q", code, body)
	}
	if code, _ := kindsDo(t, srv, email, key, "GET", "/v2/vector/index/"+ix.ID, ""); code != 404 {
		t.Errorf("get after delete = %d, want 404", code)
	}
	u := st.QStashUsers()[0]
	code, body = kindsDo(t, srv, email, key, "POST", "/v2/qstash/rotate-token/"+u.ID, "")
	var nu QStashUser
	if code != 200 || json.Unmarshal([]byte(body), &nu) != nil || nu.Token == u.Token || nu.ID != u.ID {
		t.Errorf("rotate = %d %s", code, body)
	}
}
