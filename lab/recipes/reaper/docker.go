package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// dockerClient is the handful of Docker Engine API calls the reaper needs, over the unix socket.
// Unversioned paths: the daemon answers them with its own API version, so any engine works.
type dockerClient struct{ http *http.Client }

func newDockerClient(socket string) *dockerClient {
	transport := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		},
	}
	return &dockerClient{http: &http.Client{Transport: transport, Timeout: 2 * time.Minute}}
}

type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("docker API %d: %s", e.status, e.message) }

func (d *dockerClient) do(ctx context.Context, method, path string, query url.Values, out any) error {
	u := "http://docker" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return err
	}
	res, err := d.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		var msg struct{ Message string }
		if json.Unmarshal(body, &msg) != nil || msg.Message == "" {
			msg.Message = strings.TrimSpace(string(body))
		}
		return &apiError{status: res.StatusCode, message: msg.Message}
	}
	if out != nil {
		return json.Unmarshal(body, out)
	}
	return nil
}

// filterQuery turns a client's filter set (label=a=b&label=c=d) into Docker's filters JSON,
// where several values of one key must all match.
func filterQuery(filter url.Values) (url.Values, error) {
	encoded, err := json.Marshal(map[string][]string(filter))
	if err != nil {
		return nil, err
	}
	return url.Values{"filters": {string(encoded)}}, nil
}

type container struct {
	ID    string `json:"Id"`
	Names []string
	State string
}

func (d *dockerClient) containers(ctx context.Context, filter url.Values) ([]container, error) {
	q, err := filterQuery(filter)
	if err != nil {
		return nil, err
	}
	q.Set("all", "1")
	var out []container
	return out, d.do(ctx, http.MethodGet, "/containers/json", q, &out)
}

func (d *dockerClient) removeContainer(ctx context.Context, id string) error {
	return d.do(ctx, http.MethodDelete, "/containers/"+id, url.Values{"force": {"1"}, "v": {"1"}}, nil)
}

func (d *dockerClient) autoRemoves(ctx context.Context, id string) (bool, error) {
	var out struct{ HostConfig struct{ AutoRemove bool } }
	return out.HostConfig.AutoRemove, d.do(ctx, http.MethodGet, "/containers/"+id+"/json", nil, &out)
}

type network struct {
	ID   string `json:"Id"`
	Name string
}

func (d *dockerClient) networks(ctx context.Context, filter url.Values) ([]network, error) {
	q, err := filterQuery(filter)
	if err != nil {
		return nil, err
	}
	var out []network
	return out, d.do(ctx, http.MethodGet, "/networks", q, &out)
}

func (d *dockerClient) removeNetwork(ctx context.Context, id string) error {
	return d.do(ctx, http.MethodDelete, "/networks/"+id, nil, nil)
}

type volume struct{ Name string }

func (d *dockerClient) volumes(ctx context.Context, filter url.Values) ([]volume, error) {
	q, err := filterQuery(filter)
	if err != nil {
		return nil, err
	}
	var out struct{ Volumes []volume }
	return out.Volumes, d.do(ctx, http.MethodGet, "/volumes", q, &out)
}

func (d *dockerClient) removeVolume(ctx context.Context, name string) error {
	return d.do(ctx, http.MethodDelete, "/volumes/"+name, url.Values{"force": {"1"}}, nil)
}

type image struct {
	ID string `json:"Id"`
}

func (d *dockerClient) images(ctx context.Context, filter url.Values) ([]image, error) {
	q, err := filterQuery(filter)
	if err != nil {
		return nil, err
	}
	var out []image
	return out, d.do(ctx, http.MethodGet, "/images/json", q, &out)
}

func (d *dockerClient) removeImage(ctx context.Context, id string) error {
	return d.do(ctx, http.MethodDelete, "/images/"+id, url.Values{"force": {"1"}}, nil)
}
