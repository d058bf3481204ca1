// Command reaper removes what a crashed test run left behind. It speaks the Ryuk protocol as
// testcontainers clients use it: clients connect over TCP, send one filter set per line
// ("label=org.testcontainers.session-id=<id>", several joined with "&"), and get "ACK\n" back.
// When every client has disconnected and none comes back within the reconnection timeout, it
// removes all containers, networks, volumes and images matching any filter set, then exits.
//
// It is the project's own program (the real Ryuk module cannot be fetched here), so its image is
// named kong-upgrade-harness/reaper, never testcontainers/ryuk.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

type config struct {
	port                string
	connectionTimeout   time.Duration
	reconnectionTimeout time.Duration
	removeRetries       int
	retryOffset         time.Duration
	verbose             bool
	socket              string
}

func loadConfig() (config, error) {
	c := config{
		port:                envOr("RYUK_PORT", "8080"),
		connectionTimeout:   60 * time.Second,
		reconnectionTimeout: 10 * time.Second,
		removeRetries:       10,
		retryOffset:         time.Second,
		socket:              "/var/run/docker.sock",
	}
	var err error
	for name, target := range map[string]*time.Duration{
		"RYUK_CONNECTION_TIMEOUT":   &c.connectionTimeout,
		"RYUK_RECONNECTION_TIMEOUT": &c.reconnectionTimeout,
		"RYUK_RETRY_OFFSET":         &c.retryOffset,
	} {
		if v := os.Getenv(name); v != "" {
			if *target, err = time.ParseDuration(v); err != nil {
				return c, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	if v := os.Getenv("RYUK_REMOVE_RETRIES"); v != "" {
		if _, err = fmt.Sscanf(v, "%d", &c.removeRetries); err != nil {
			return c, fmt.Errorf("RYUK_REMOVE_RETRIES: %w", err)
		}
	}
	switch strings.ToLower(os.Getenv("RYUK_VERBOSE")) {
	case "1", "true", "yes", "on":
		c.verbose = true
	}
	if host := os.Getenv("DOCKER_HOST"); strings.HasPrefix(host, "unix://") {
		c.socket = strings.TrimPrefix(host, "unix://")
	}
	return c, nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// registry holds the filter sets clients asked for and tracks live connections.
type registry struct {
	mu      sync.Mutex
	filters map[string]url.Values // keyed by canonical encoding, so repeats are stored once
	conns   int
	changed chan struct{} // signalled on every connect / disconnect
}

func (r *registry) add(line string) error {
	values, err := url.ParseQuery(line)
	if err != nil {
		return err
	}
	if len(values) == 0 {
		return errors.New("empty filter")
	}
	r.mu.Lock()
	r.filters[values.Encode()] = values
	r.mu.Unlock()
	return nil
}

func (r *registry) connected(delta int) {
	r.mu.Lock()
	r.conns += delta
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *registry) snapshot() (int, []url.Values) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]url.Values, 0, len(r.filters))
	for _, v := range r.filters {
		out = append(out, v)
	}
	return r.conns, out
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	cfg, err := loadConfig()
	if err != nil {
		log.Fatalf("reaper: bad configuration: %v", err)
	}
	reg := &registry{filters: map[string]url.Values{}, changed: make(chan struct{}, 1)}

	ln, err := net.Listen("tcp", ":"+cfg.port)
	if err != nil {
		log.Fatalf("reaper: listen: %v", err)
	}
	// testcontainers waits for a log line matching /.*Started.*/ before it connects.
	log.Printf("Started reaper on :%s (connection timeout %s, reconnection timeout %s)",
		cfg.port, cfg.connectionTimeout, cfg.reconnectionTimeout)
	go accept(ln, reg, cfg)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)

	if !waitForDeadline(reg, cfg, signals) {
		_ = ln.Close()
		os.Exit(0)
	}
	_ = ln.Close()
	_, filters := reg.snapshot()
	docker := newDockerClient(cfg.socket)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	failed := prune(ctx, docker, filters, cfg)
	if failed > 0 {
		log.Printf("reaper: %d resources could not be removed", failed)
		os.Exit(1)
	}
	log.Printf("reaper: done")
}

// waitForDeadline blocks until it is time to prune (true), or until the reaper should exit
// without pruning (false): nobody connected in time, or it was told to stop before anyone did.
func waitForDeadline(reg *registry, cfg config, signals <-chan os.Signal) bool {
	connectTimer := time.NewTimer(cfg.connectionTimeout)
	defer connectTimer.Stop()
	everConnected := false
	var reconnect <-chan time.Time
	for {
		select {
		case <-reg.changed:
			conns, _ := reg.snapshot()
			if conns > 0 {
				everConnected = true
				connectTimer.Stop()
				reconnect = nil
			} else if everConnected && reconnect == nil {
				if cfg.verbose {
					log.Printf("reaper: no clients left, pruning in %s unless one reconnects", cfg.reconnectionTimeout)
				}
				reconnect = time.After(cfg.reconnectionTimeout)
			}
		case <-connectTimer.C:
			if !everConnected {
				log.Printf("reaper: nobody connected within %s, exiting", cfg.connectionTimeout)
				return false
			}
		case <-reconnect:
			log.Printf("reaper: clients gone for %s, pruning", cfg.reconnectionTimeout)
			return true
		case sig := <-signals:
			// Stopping the reaper means the session is over: prune what it knows about.
			_, filters := reg.snapshot()
			log.Printf("reaper: %s received", sig)
			return len(filters) > 0
		}
	}
}

func accept(ln net.Listener, reg *registry, cfg config) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			log.Printf("reaper: accept: %v", err)
			continue
		}
		go serve(conn, reg, cfg)
	}
}

func serve(conn net.Conn, reg *registry, cfg config) {
	reg.connected(+1)
	defer reg.connected(-1)
	defer conn.Close()
	if cfg.verbose {
		log.Printf("reaper: client %s connected", conn.RemoteAddr())
	}
	scanner := bufio.NewScanner(conn)
	for scanner.Scan() {
		// testcontainers-node terminates lines with \r\n.
		line := strings.TrimSpace(scanner.Text())
		if line == "" {
			continue
		}
		if err := reg.add(line); err != nil {
			log.Printf("reaper: rejected filter %q: %v", line, err)
			_, _ = conn.Write([]byte("ERROR\n"))
			continue
		}
		if cfg.verbose {
			log.Printf("reaper: added filter %q", line)
		}
		if _, err := conn.Write([]byte("ACK\n")); err != nil {
			break
		}
	}
	if cfg.verbose {
		log.Printf("reaper: client %s disconnected", conn.RemoteAddr())
	}
}
