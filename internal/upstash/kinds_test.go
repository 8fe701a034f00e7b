package upstash

import "testing"

func TestIndexURLAddsTheKindsSuffixToASlugOnly(t *testing.T) {
	for _, tt := range []struct {
		kind     *IndexKind
		endpoint string
		want     string
	}{
		{Vector, "glowing-baboon-15797-us1", "https://glowing-baboon-15797-us1-vector.upstash.io"},
		{Search, "glowing-baboon-15797-us1", "https://glowing-baboon-15797-us1-search.upstash.io"},
		{Vector, "glowing-baboon-15797-us1-vector.upstash.io", "https://glowing-baboon-15797-us1-vector.upstash.io"},
		{Search, "127.0.0.1:8443", "https://127.0.0.1:8443"},
	} {
		if got := IndexURL(tt.kind, &Index{Endpoint: tt.endpoint}); got != tt.want {
			t.Errorf("IndexURL(%s, %q) = %q, want %q", tt.kind.Name, tt.endpoint, got, tt.want)
		}
	}
}

func TestRegionsAndPlansPerKind(t *testing.T) {
	for _, tt := range []struct {
		kind           *IndexKind
		region, plan   string
		regionOK, plOK bool
	}{
		{Vector, "us-east-1", "payg", true, true},
		{Vector, "eu-central-1", "free", false, false},
		{Search, "us-east-1", "free", false, true},
		{Search, "us-central1", "paid", true, false},
	} {
		if got := tt.kind.CheckRegion(tt.region) == nil; got != tt.regionOK {
			t.Errorf("%s region %s ok = %v", tt.kind.Name, tt.region, got)
		}
		if got := tt.kind.CheckPlan(tt.plan) == nil; got != tt.plOK {
			t.Errorf("%s plan %s ok = %v", tt.kind.Name, tt.plan, got)
		}
	}
}

func TestQStashURL(t *testing.T) {
	for region, want := range map[string]string{
		"eu-central-1": "https://qstash-eu-central-1.upstash.io",
		"us-east-1":    "https://qstash-us-east-1.upstash.io",
		"":             "",
		"ap-south-1":   "",
	} {
		if got := QStashURL(region); got != want {
			t.Errorf("QStashURL(%q) = %q, want %q", region, got, want)
		}
	}
}
