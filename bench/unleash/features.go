// Package unleashbench measures Unleash's Go client
// (github.com/Unleash/unleash-client-go/v4) on the shared benchmark cases
// (package cases). The client only loads toggles from an Unleash server, so
// an httptest server on the loopback interface plays one for the first
// fetch; evaluation is local (IsEnabled) and metrics are off.
package unleashbench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/Unleash/unleash-client-go/v4"
	"github.com/Unleash/unleash-client-go/v4/api"
	"github.com/Unleash/unleash-client-go/v4/context"

	"github.com/switchyardhq/switchyard/bench/cases"
)

// Features translates the suite into an Unleash client/features response.
// Unleash toggles are on or off, so variant on is "enabled": each case rule
// becomes a "default" strategy with one constraint (strategies are ORed,
// constraints ANDed), a segment becomes a global segment with the
// constraint userId IN [keys], a rollout becomes a flexibleRollout on
// userId (a rule's rollout: a flexibleRollout strategy with the rule's
// constraint), and a default of on becomes a final unconstrained strategy.
// A rule serving off, or a rollout rule followed by anything that serves
// on, cannot be expressed this way.
func Features(s *cases.Suite) ([]byte, error) {
	resp := api.FeatureResponse{Response: api.Response{Version: 2}}
	segmentIDs := map[string]int{}
	for i, sg := range s.Segments {
		segmentIDs[sg.Key] = i + 1
		resp.Segments = append(resp.Segments, api.Segment{Id: i + 1, Constraints: []api.Constraint{
			{ContextName: "userId", Operator: api.OperatorIn, Values: sg.Included},
		}})
	}
	for _, cf := range s.Flags {
		f := api.Feature{Name: cf.Key, Enabled: true, Strategies: []api.Strategy{}}
		for i, cr := range cf.Rules {
			st := api.Strategy{Name: "default", Parameters: api.ParameterMap{}}
			switch {
			case len(cr.Rollout) > 0:
				// Strategies are ORed, so a context in the rollout's off arm
				// would still be enabled by any later strategy: only a last
				// rule before a default of off keeps first-match semantics.
				if i != len(cf.Rules)-1 || cf.Default.Variant != cases.Off {
					return nil, &cases.NotExpressible{SDK: "unleash", Flag: cf.Key, Reason: "a rollout rule followed by something that serves on"}
				}
				on, err := onPercent(cf.Key, cr.Rollout)
				if err != nil {
					return nil, err
				}
				st = api.Strategy{Name: "flexibleRollout", Parameters: api.ParameterMap{
					"rollout": strconv.Itoa(on), "stickiness": "userId", "groupId": cf.Key,
				}}
			case cr.Variant != cases.On:
				return nil, &cases.NotExpressible{SDK: "unleash", Flag: cf.Key, Reason: "a rule serving off"}
			}
			attr := cr.Attribute
			if attr == cases.TargetingKey {
				attr = "userId"
			}
			switch cr.Operator {
			case cases.OpIn:
				st.Constraints = []api.Constraint{{ContextName: attr, Operator: api.OperatorIn, Values: cases.Strings(cr.Values)}}
			case cases.OpEndsWith:
				st.Constraints = []api.Constraint{{ContextName: attr, Operator: api.OperatorStrEndsWith, Values: cases.Strings(cr.Values)}}
			case cases.OpGreaterThan:
				st.Constraints = []api.Constraint{{ContextName: attr, Operator: api.OperatorNumGt, Value: fmt.Sprint(cr.Values[0])}}
			case cases.OpInSegment:
				st.Segments = []int{segmentIDs[fmt.Sprint(cr.Values[0])]}
			default:
				return nil, &cases.NotExpressible{SDK: "unleash", Flag: cf.Key, Reason: "operator " + cr.Operator}
			}
			f.Strategies = append(f.Strategies, st)
		}
		switch {
		case len(cf.Default.Rollout) > 0:
			on, err := onPercent(cf.Key, cf.Default.Rollout)
			if err != nil {
				return nil, err
			}
			f.Strategies = append(f.Strategies, api.Strategy{Name: "flexibleRollout", Parameters: api.ParameterMap{
				"rollout": strconv.Itoa(on), "stickiness": "userId", "groupId": cf.Key,
			}})
		case cf.Default.Variant == cases.On:
			f.Strategies = append(f.Strategies, api.Strategy{Name: "default", Parameters: api.ParameterMap{}})
		}
		resp.Features = append(resp.Features, f)
	}
	return json.Marshal(resp)
}

// onPercent is the rollout's share of on, which must be in whole percent.
func onPercent(flag string, weights []cases.Weight) (int, error) {
	total, on := 0, 0
	for _, w := range weights {
		total += w.Weight
		if w.Variant == cases.On {
			on += w.Weight
		}
	}
	if total != 100 {
		return 0, &cases.NotExpressible{SDK: "unleash", Flag: flag, Reason: "rollout weights not in whole percent"}
	}
	return on, nil
}

// Client is an Unleash client fed by a loopback test server.
type Client struct {
	*unleash.Client
	server *httptest.Server
}

// Close stops the client and the server.
func (c *Client) Close() {
	_ = c.Client.Close()
	c.server.Close()
}

// NewClient serves the suite's features from an httptest server, starts a
// client on it (metrics off, refresh hourly, backups in dir) and waits for
// the first fetch.
func NewClient(s *cases.Suite, dir string) (*Client, error) {
	body, err := Features(s)
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/client/features" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	uc, err := unleash.NewClient(
		unleash.WithUrl(srv.URL),
		unleash.WithAppName("switchyard-bench"),
		unleash.WithDisableMetrics(true),
		unleash.WithRefreshInterval(time.Hour),
		unleash.WithBackupPath(dir),
		unleash.WithListener(&unleash.NoopListener{}),
	)
	if err != nil {
		srv.Close()
		return nil, err
	}
	select {
	case <-uc.Ready():
	case <-time.After(10 * time.Second):
		_ = uc.Close()
		srv.Close()
		return nil, fmt.Errorf("unleash: client not ready after 10s")
	}
	return &Client{Client: uc, server: srv}, nil
}

// Context converts a flattened context: the targeting key becomes UserId,
// every other attribute a string property (Unleash properties are strings;
// numeric constraints parse them).
func Context(m map[string]any) context.Context {
	key, _ := m[cases.TargetingKey].(string)
	c := context.Context{UserId: key, Properties: map[string]string{}}
	for k, v := range m {
		if k != cases.TargetingKey {
			c.Properties[k] = fmt.Sprint(v)
		}
	}
	return c
}

// Variant maps IsEnabled onto the case's variant names.
func Variant(enabled bool) string {
	if enabled {
		return cases.On
	}
	return cases.Off
}
