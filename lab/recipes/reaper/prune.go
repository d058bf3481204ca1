package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// prune removes, for every filter set, containers first (force, with anonymous volumes), then
// networks and volumes (only removable once no container uses them), then images. It returns how
// many resources are still there after the retries.
func prune(ctx context.Context, d *dockerClient, filters []url.Values, cfg config) int {
	self := selfContainerID()
	failed := 0
	removeSelf := ""
	seen := map[string]bool{} // filter sets overlap; report each container once

	for _, f := range filters {
		list, err := d.containers(ctx, f)
		if err != nil {
			log.Printf("reaper: list containers %v: %v", f, err)
			failed++
			continue
		}
		for _, c := range list {
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			// The reaper is labelled with the session id too; removing itself now would kill it
			// before networks and volumes are gone.
			if self != "" && strings.HasPrefix(c.ID, self) {
				removeSelf = c.ID
				continue
			}
			if err := d.removeContainer(ctx, c.ID); err != nil && !gone(err) {
				log.Printf("reaper: remove container %s: %v", short(c.ID), err)
				failed++
				continue
			}
			log.Printf("reaper: removed container %s %s", short(c.ID), strings.Join(c.Names, ","))
		}
	}

	failed += retrying(ctx, cfg, "network", func(f url.Values) ([]string, error) {
		list, err := d.networks(ctx, f)
		ids := make([]string, 0, len(list))
		for _, n := range list {
			ids = append(ids, n.ID)
		}
		return ids, err
	}, d.removeNetwork, filters)

	failed += retrying(ctx, cfg, "volume", func(f url.Values) ([]string, error) {
		list, err := d.volumes(ctx, f)
		names := make([]string, 0, len(list))
		for _, v := range list {
			names = append(names, v.Name)
		}
		return names, err
	}, d.removeVolume, filters)

	failed += retrying(ctx, cfg, "image", func(f url.Values) ([]string, error) {
		list, err := d.images(ctx, f)
		ids := make([]string, 0, len(list))
		for _, i := range list {
			ids = append(ids, i.ID)
		}
		return ids, err
	}, d.removeImage, filters)

	// Last: the reaper's own container, unless Docker removes it on exit anyway (testcontainers
	// starts it with AutoRemove). Removing it kills this process, so nothing may follow.
	if removeSelf != "" {
		if auto, err := d.autoRemoves(ctx, removeSelf); err == nil && !auto {
			log.Printf("reaper: removing own container %s", short(removeSelf))
			_ = d.removeContainer(ctx, removeSelf)
		}
	}
	return failed
}

// retrying removes what list finds, listing again until nothing is left or the retries run out:
// a network stays "in use" for a moment after its last container was removed.
func retrying(ctx context.Context, cfg config, kind string, list func(url.Values) ([]string, error),
	remove func(context.Context, string) error, filters []url.Values) int {
	left := 0
	for attempt := 0; attempt <= cfg.removeRetries; attempt++ {
		if attempt > 0 {
			time.Sleep(cfg.retryOffset)
		}
		left = 0
		for _, f := range filters {
			ids, err := list(f)
			if err != nil {
				log.Printf("reaper: list %ss %v: %v", kind, f, err)
				left++
				continue
			}
			for _, id := range ids {
				if err := remove(ctx, id); err != nil && !gone(err) {
					if cfg.verbose || attempt == cfg.removeRetries {
						log.Printf("reaper: remove %s %s (attempt %d): %v", kind, short(id), attempt+1, err)
					}
					left++
					continue
				}
				log.Printf("reaper: removed %s %s", kind, short(id))
			}
		}
		if left == 0 {
			return 0
		}
	}
	return left
}

// gone: already removed, or being removed by someone else (e.g. AutoRemove).
func gone(err error) bool {
	var api *apiError
	if !errors.As(err, &api) {
		return false
	}
	return api.status == http.StatusNotFound ||
		(api.status == http.StatusConflict && strings.Contains(api.message, "already in progress"))
}

var containerIDPattern = regexp.MustCompile(`(?:/docker/|/containers/|docker-)([0-9a-f]{64})`)

// selfContainerID finds the id of the container this process runs in: the cgroup path (cgroup
// v1) or the mount of /etc/hostname (cgroup v2), else the hostname, which Docker sets to the
// short id.
func selfContainerID() string {
	for _, file := range []string{"/proc/self/cgroup", "/proc/self/mountinfo"} {
		if data, err := os.ReadFile(file); err == nil {
			if m := containerIDPattern.FindSubmatch(data); m != nil {
				return string(m[1])
			}
		}
	}
	if host, err := os.Hostname(); err == nil && regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(host) {
		return host
	}
	return ""
}

func short(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
