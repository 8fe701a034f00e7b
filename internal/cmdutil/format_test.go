package cmdutil

import "testing"

func TestResolveFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		format, writeEnv string
		json             bool
		want             string
		wantErr          bool
	}{
		{want: "url"},
		{format: "env", want: "env"},
		{json: true, want: "json"},
		{format: "json", json: true, want: "json"},
		{format: "url", json: true, wantErr: true},
		{writeEnv: ".env", want: "env"},
		{writeEnv: ".env", format: "env", want: "env"},
		{writeEnv: ".env", json: true, wantErr: true},
		{format: "xml", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ResolveFormat(tt.format, tt.json, tt.writeEnv, "url", "env", "json")
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ResolveFormat(format=%q json=%v write-env=%q) = %q, %v; want %q, error %v",
				tt.format, tt.json, tt.writeEnv, got, err, tt.want, tt.wantErr)
		}
	}
}
