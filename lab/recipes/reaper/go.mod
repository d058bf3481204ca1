module kong-upgrade-harness/reaper

go 1.22
